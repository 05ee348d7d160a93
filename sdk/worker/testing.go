package worker

import (
	"bytes"
	"errors"
	"sync"
)

// RecordingSink is a Sink for tests: it records updates and uploaded data
// and serves Download as the source of downloadFile. Safe for concurrent
// reads while a command runs.
type RecordingSink struct {
	mu       sync.Mutex
	updates  []Update
	upload   bytes.Buffer
	uploaded bool // UploadClose or UploadUnpack was called
	unpacked bool
	utime    [2]float64
	download *bytes.Reader
	// Download is read by DownloadRead; set it before the command runs.
	Download []byte
	// FailUpload makes UploadWrite fail with this error.
	FailUpload error
}

// Update records u.
func (s *RecordingSink) Update(u Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, u)
	return nil
}

// UploadWrite appends p to the upload.
func (s *RecordingSink) UploadWrite(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.FailUpload != nil {
		return s.FailUpload
	}
	s.upload.Write(p)
	return nil
}

// UploadClose ends a file upload.
func (s *RecordingSink) UploadClose() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploaded = true
	return nil
}

// UploadUnpack ends a directory upload.
func (s *RecordingSink) UploadUnpack() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploaded, s.unpacked = true, true
	return nil
}

// UploadUtime records the times.
func (s *RecordingSink) UploadUtime(atime, mtime float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.utime = [2]float64{atime, mtime}
	return nil
}

// DownloadRead serves Download.
func (s *RecordingSink) DownloadRead(n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.download == nil {
		s.download = bytes.NewReader(s.Download)
	}
	if n <= 0 {
		return nil, errors.New("download read of a non-positive size")
	}
	buf := make([]byte, n)
	k, _ := s.download.Read(buf)
	return buf[:k], nil
}

// DownloadClose ends the download.
func (s *RecordingSink) DownloadClose() error { return nil }

// Updates returns the updates so far.
func (s *RecordingSink) Updates() []Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Update(nil), s.updates...)
}

// Text joins the Text of every update with key.
func (s *RecordingSink) Text(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b bytes.Buffer
	for _, u := range s.updates {
		if u.Key == key {
			b.WriteString(u.Text)
		}
	}
	return b.String()
}

// Uploaded returns the uploaded bytes and whether the upload was closed.
func (s *RecordingSink) Uploaded() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.upload.Bytes()...), s.uploaded
}

var _ Sink = (*RecordingSink)(nil)
