package mailtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func post(tb testing.TB, s *Server, auth, key, body string) (int, http.Header, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/emails", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

const body = `{"from":"S <s@example.com>","to":"a@example.com","subject":"Hi","text":"t","html":"<p>h</p>","tags":[{"name":"kind","value":"k"}]}`

func TestServer(t *testing.T) {
	s := New()
	t.Cleanup(s.Close)

	status, _, out := post(t, s, "re_1", "k1", body)
	if status != 200 || out["id"] == "" {
		t.Fatalf("%d %v", status, out)
	}
	id := out["id"]
	if status, _, out = post(t, s, "re_1", "k1", body); status != 200 || out["id"] != id {
		t.Errorf("repeat: %d %v, want the same id %v", status, out, id)
	}
	if status, _, out = post(t, s, "re_1", "k1", strings.Replace(body, "Hi", "Ho", 1)); status != 409 || out["name"] != "invalid_idempotent_request" {
		t.Errorf("same key, other payload: %d %v", status, out)
	}
	if status, _, out = post(t, s, "", "k2", body); status != 401 || out["name"] != "missing_api_key" {
		t.Errorf("no key: %d %v", status, out)
	}
	if status, _, out = post(t, s, "re_1", "", `{"from":"s@example.com","to":["a@example.com"],"text":"t"}`); status != 422 || out["message"] != "Missing `subject` field." {
		t.Errorf("no subject: %d %v", status, out)
	}

	s.Fail(429, 500, 422)
	status, h, out := post(t, s, "re_1", "k3", body)
	if status != 429 || h.Get("retry-after") != "1" || out["statusCode"] != 429.0 || out["name"] != "rate_limit_exceeded" {
		t.Errorf("429: %d %v %v", status, h, out)
	}
	if status, _, out = post(t, s, "re_1", "k3", body); status != 500 || out["name"] != "internal_server_error" {
		t.Errorf("500: %d %v", status, out)
	}
	if status, _, out = post(t, s, "re_1", "k3", body); status != 422 || out["name"] != "validation_error" || out["message"] == "" {
		t.Errorf("422: %d %v", status, out)
	}
	if status, _, _ = post(t, s, "re_1", "k3", body); status != 200 {
		t.Errorf("after the script: %d", status)
	}

	reqs, delivered := s.Requests(), s.Delivered()
	if len(reqs) != 9 || len(delivered) != 2 {
		t.Fatalf("%d requests, %d delivered; want 9 and 2", len(reqs), len(delivered))
	}
	d := delivered[0]
	if d.APIKey != "re_1" || d.IdempotencyKey != "k1" || d.From != "S <s@example.com>" || len(d.To) != 1 || d.To[0] != "a@example.com" ||
		d.Subject != "Hi" || d.Text != "t" || d.HTML != "<p>h</p>" || len(d.Tags) != 1 || d.Tags[0] != (Tag{"kind", "k"}) || d.ID != id {
		t.Errorf("delivered %+v", d)
	}
	if delivered[1].IdempotencyKey != "k3" || reqs[5].Status != 429 {
		t.Errorf("requests %+v", reqs)
	}
}
