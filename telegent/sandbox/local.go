package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// StartLocal starts a sandbox with opts on a free port of 127.0.0.1 and
// serves it in the background, for a run that tries the tool without the
// real API: url is the base URL to give a client (the credentials are
// AccountKey and AccountSecret). stop closes the listener, every connection
// and the data file; after it the sandbox answers nothing.
func StartLocal(opts Options) (url string, stop func() error, err error) {
	srv, err := New(opts)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return "", nil, fmt.Errorf("sandbox: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	stop = func() error { return errors.Join(hs.Close(), srv.Close()) }
	return "http://" + ln.Addr().String(), stop, nil
}

// DataFileBeside names the data file of a sandbox kept beside the file at
// path: run.sandbox.db beside run.db. It returns "" (the state lives in
// memory) when path is "".
func DataFileBeside(path string) string {
	if path == "" {
		return ""
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".sandbox" + ext
}
