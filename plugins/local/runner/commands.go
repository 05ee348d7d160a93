package runner

import (
	"context"
	"sort"

	"github.com/bbhost/bbhost/sdk/worker"
)

// commandSpec is one entry of the worker's command registry.
type commandSpec struct {
	class    string   // the worker's class name, for error messages
	required []string // arguments without which the worker refuses to start
	run      func(ctx context.Context, x *execution) error
}

// commandNames lists every name the worker registers, camelCase and the
// msgpack protocol's snake_case transfer names.
var commandNames = []string{
	worker.CmdShell, worker.CmdUploadFile, "upload_file", worker.CmdUploadDirectory,
	"upload_directory", worker.CmdDownloadFile, "download_file", worker.CmdMkdir,
	worker.CmdRmdir, worker.CmdCpdir, worker.CmdStat, worker.CmdGlob, worker.CmdListdir,
	worker.CmdRmfile,
}

// commandVersion is the worker's command_version, reported for every
// command in worker_commands.
const commandVersion = "3.1"

func lookupCommand(name string) (commandSpec, bool) {
	switch name {
	case worker.CmdShell:
		return commandSpec{"WorkerShellCommand", []string{"workdir", "command"}, runShell}, true
	case worker.CmdUploadFile, "upload_file":
		return commandSpec{"WorkerFileUploadCommand", []string{"path", "blocksize", "maxsize"}, runUploadFile}, true
	case worker.CmdUploadDirectory, "upload_directory":
		return commandSpec{"WorkerDirectoryUploadCommand", []string{"path", "blocksize", "maxsize", "compress"}, runUploadDirectory}, true
	case worker.CmdDownloadFile, "download_file":
		return commandSpec{"WorkerFileDownloadCommand", []string{"path", "blocksize", "maxsize", "mode"}, runDownloadFile}, true
	case worker.CmdMkdir:
		return commandSpec{"MakeDirectory", []string{"paths"}, runMkdir}, true
	case worker.CmdRmdir:
		return commandSpec{"RemoveDirectory", []string{"paths"}, runRmdir}, true
	case worker.CmdCpdir:
		return commandSpec{"CopyDirectory", []string{"to_path", "from_path"}, runCpdir}, true
	case worker.CmdStat:
		return commandSpec{"StatFile", []string{"path"}, runStat}, true
	case worker.CmdGlob:
		return commandSpec{"GlobPath", []string{"path"}, runGlob}, true
	case worker.CmdListdir:
		return commandSpec{"ListDir", []string{"path"}, runListdir}, true
	case worker.CmdRmfile:
		return commandSpec{"RemoveFile", []string{"path"}, runRmfile}, true
	}
	return commandSpec{}, false
}

// workerCommands is Info's worker_commands: every name → command version.
func workerCommands() map[string]string {
	m := make(map[string]string, len(commandNames))
	for _, n := range commandNames {
		m[n] = commandVersion
	}
	return m
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
