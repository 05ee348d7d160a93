package runner

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/bbhost/bbhost/sdk/worker"
)

// Info returns what buildbot-worker's get_worker_info reports: one key per
// file in BASEDIR/info (admin, host, access_uri, ...; contents as they are),
// os_* keys from the os-release file, environ, system "posix", basedir,
// numcpus, version, worker_commands (every command name → "3.1") and
// delete_leftover_dirs.
func (r *Runner) Info() worker.Info {
	info := worker.Info{}
	infoDir := filepath.Join(r.basedir, "info")
	if entries, err := os.ReadDir(infoDir); err == nil {
		for _, e := range entries {
			p := filepath.Join(infoDir, e.Name())
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if b, err := os.ReadFile(p); err == nil {
				info[e.Name()] = string(b)
			}
		}
	}
	r.readOSRelease(info)
	environ := make(map[string]string, len(r.environ))
	for k, v := range r.environ {
		environ[k] = v
	}
	info["environ"] = environ
	info["system"] = "posix"
	info["basedir"] = r.basedir
	info["numcpus"] = int64(r.opts.NumCPUs)
	info["version"] = r.opts.Version
	info["worker_commands"] = workerCommands()
	info["delete_leftover_dirs"] = r.opts.DeleteLeftoverDirs
	return info
}

// readOSRelease adds os_<key> for every KEY=value line of the os-release
// file with a value, quotes stripped; comments and other lines are skipped.
func (r *Runner) readOSRelease(info worker.Info) {
	f, err := os.Open(r.opts.OSReleaseFile)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || value == "" {
			continue
		}
		info["os_"+strings.ToLower(key)] = strings.Trim(value, `"`)
	}
}
