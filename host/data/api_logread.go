package data

import (
	"context"
	"io"
)

// Log text is read through host/db's log reader, which decompresses chunk
// by chunk: a raw download never holds more than a few chunks of the log.

// getLogRaw answers a log's whole text as a download, streamed. For stdio
// logs ('s') the channel letter that starts each line is removed and lines
// are joined without a final newline, as Buildbot's RawLogChunkEndpoint
// answers; other logs end with a newline.
func getLogRaw(ctx context.Context, a *API, args PathArgs) (*Raw, error) {
	l, err := a.logByPath(ctx, args)
	if err != nil || l == nil {
		return nil, err
	}
	ct := "text/plain; charset=utf-8"
	if l.Type == "h" {
		ct = "text/html; charset=utf-8"
	}
	return &Raw{ContentType: ct, Filename: l.Slug, Stream: func(ctx context.Context, w io.Writer) error {
		strip := l.Type == "s"
		if strip {
			w = &holdLastNewline{w: w}
		}
		_, err := a.db.Logs().Stream(ctx, l.LogID, w, strip)
		return err
	}}, nil
}

// holdLastNewline passes writes through but keeps back a final "\n" until
// more text follows, so that the stream ends without it.
type holdLastNewline struct {
	w       io.Writer
	pending bool
}

func (h *holdLastNewline) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if h.pending {
		if _, err := h.w.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
		h.pending = false
	}
	n := len(p)
	if p[n-1] == '\n' {
		p = p[:n-1]
		h.pending = true
	}
	if len(p) > 0 {
		if _, err := h.w.Write(p); err != nil {
			return 0, err
		}
	}
	return n, nil
}
