package main

import "os"

// environ is what a command takes from its process besides its arguments
// and streams: environment variables and the user's config folder. The
// zero environ is the process's own; tests give theirs, so that several
// commands can run at once in one process, each with its own.
type environ struct {
	vars      map[string]string // nil: the process's environment
	configDir string            // "": os.UserConfigDir()
}

func (e environ) getenv(key string) string {
	if e.vars == nil {
		return os.Getenv(key)
	}
	return e.vars[key]
}

func (e environ) userConfigDir() (string, error) {
	if e.configDir == "" {
		return os.UserConfigDir()
	}
	return e.configDir, nil
}
