package plugins

import (
	"os"
	"strings"
)

// envAllow lists the environment variables a plugin process inherits from
// the master (SkipHostEnv is on: the master's environment holds secrets such
// as worker passwords).
var envAllow = []string{
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LANGUAGE",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"GOCOVERDIR",
}

// envAllowPrefix lists allowed prefixes.
var envAllowPrefix = []string{"LC_", "BBHOST_PLUGIN_"}

// pluginEnv returns the environment of a plugin process: the allowed
// variables of the master's environment plus extra ("K=V").
func pluginEnv(extra []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if allowedEnv(k) {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

func allowedEnv(k string) bool {
	for _, a := range envAllow {
		if k == a {
			return true
		}
	}
	for _, p := range envAllowPrefix {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
