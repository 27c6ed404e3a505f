package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Upload sends one photo to a Lightbox project as the backoffice's
// uploader does: announce it, PUT it to the presigned URL, then mark it
// complete, which queues its processing. token is an operator's session.
func Upload(ctx context.Context, c *http.Client, base, project, token string, data []byte, name string) error {
	var created struct {
		Items []struct {
			ID     string `json:"id"`
			Upload struct {
				Method  string            `json:"method"`
				URL     string            `json:"url"`
				Headers map[string]string `json:"headers"`
			} `json:"upload"`
		} `json:"items"`
	}
	photos := base + "/v1/projects/" + project + "/photos"
	body, _ := json.Marshal(map[string]any{"files": []map[string]any{{"filename": name, "contentType": "image/jpeg", "size": len(data)}}})
	if err := CallJSON(ctx, c, "POST", photos, token, bytes.NewReader(body), http.StatusCreated, &created); err != nil {
		return err
	}
	if len(created.Items) != 1 {
		return errors.New("no items in the answer")
	}
	it := created.Items[0]
	target := it.Upload.URL
	if strings.HasPrefix(target, "/") { // the embedded store's URLs are relative to the server
		target = base + target
	}
	req, err := http.NewRequestWithContext(ctx, it.Upload.Method, target, bytes.NewReader(data))
	if err != nil {
		return err
	}
	for k, v := range it.Upload.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	if err := CheckStatus(resp, http.StatusOK); err != nil {
		return err
	}
	return CallJSON(ctx, c, "POST", photos+"/"+it.ID+"/complete", token, nil, http.StatusAccepted, nil)
}

// CallJSON sends a JSON API request with a bearer token (none when empty)
// and decodes the answer into out (unless nil).
func CallJSON(ctx context.Context, c *http.Client, method, url, token string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.200s", method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
