package app_test

import (
	"time"

	"lightbox/store/blob"
)

func toUpload(method, url string, headers map[string]string) blob.Upload {
	return blob.Upload{Method: method, URL: url, Headers: headers, ExpiresAt: time.Now().Add(time.Minute)}
}
