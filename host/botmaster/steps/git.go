package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// Git is `step "git"`: Buildbot's Git source step (steps/source/git.py),
// done entirely with remote shell, listdir, stat, rmdir and cpdir commands,
// so it runs on every worker kind. Modes: incremental (fetch and check out),
// full with methods clean (git clean -f -f -d), fresh (also -x, the
// default), clobber (remove and clone) and copy (update a "source" directory
// and copy it to the workdir). The checked-out revision is set as the
// got_revision property (a dict by codebase when the step has a codebase).
type Git struct {
	Cfg    config.GitStep
	Common config.StepCommon

	// per run
	sc        Context
	ctx       context.Context
	stdio     *logs.Writer
	workdir   string
	repourl   string
	branch    string
	revision  string
	method    string
	progress  bool
	version   []int
	supportsB bool // clone --branch (git ≥ 1.6.5)
}

// gitHashLength is the length of a full SHA-1 revision.
const gitHashLength = 40

// srcdir is the copy method's source directory (Buildbot's srcdir).
const srcdir = "source"

var gitVersionRE = regexp.MustCompile(`^git version (\d+(\.\d+)*)`)

// Run implements Step.
func (g *Git) Run(ctx context.Context, sc Context) (int, error) {
	g.sc, g.ctx = sc, ctx
	g.workdir = sc.Workdir()
	var err error
	if g.repourl, err = sc.Render(g.Cfg.RepoURL); err != nil {
		return results.Exception, err
	}
	if g.repourl == "" {
		return results.Exception, errors.New("git: repourl is empty")
	}
	branch, err := sc.Render(g.Cfg.Branch)
	if err != nil {
		return results.Exception, err
	}
	codebase := g.Cfg.Codebase
	if !g.Cfg.AlwaysUseLatest {
		ss, ok := sc.SourceStamp(codebase)
		if !ok {
			_ = sc.AddCompleteLog("log", fmt.Sprintf("No sourcestamp found in build for codebase '%s'", codebase))
			return results.Failure, nil
		}
		if ss.Branch != nil && *ss.Branch != "" {
			branch = *ss.Branch
		}
		if ss.Revision != nil {
			g.revision = *ss.Revision
		}
		if ss.Patch != nil {
			return results.Exception, errors.New("git: patched source stamps are not supported")
		}
	}
	if branch == "" {
		branch = "HEAD"
	}
	g.branch = branch
	g.method = g.getMethod()
	g.progress = g.Cfg.ProgressLog
	if g.stdio, err = sc.AddLog("stdio", logs.TypeStdio); err != nil {
		return results.Exception, err
	}
	if err := g.checkFeatureSupport(); err != nil {
		return results.Exception, err
	}
	patched, err := g.pathExists(g.sc.WorkerPathJoin(g.workdir, ".buildbot-patched"))
	if err != nil {
		return results.Exception, err
	}
	if patched {
		if _, err := g.dovccmd([]string{"clean", "-f", "-f", "-d", "-x"}, true, false); err != nil {
			return results.Exception, err
		}
	}
	switch g.Cfg.Mode {
	case "full":
		err = g.modeFull()
	case "incremental", "":
		err = g.modeIncremental()
	default:
		return results.Exception, fmt.Errorf("git: unknown mode %q", g.Cfg.Mode)
	}
	if err != nil {
		return g.result(err)
	}
	if err := g.parseGotRevision(); err != nil {
		return g.result(err)
	}
	return results.Success, nil
}

func (g *Git) result(err error) (int, error) {
	if errors.Is(err, ErrFailed) {
		return results.Failure, nil
	}
	return results.Exception, err
}

// getMethod is Buildbot's _getMethod.
func (g *Git) getMethod() string {
	switch {
	case g.Cfg.Mode == "incremental" || g.Cfg.Mode == "":
		return ""
	case g.Cfg.Method != "":
		return g.Cfg.Method
	}
	return "fresh"
}

func (g *Git) checkFeatureSupport() error {
	out, err := g.dovccmd([]string{"--version"}, false, true)
	if err != nil {
		return err
	}
	m := gitVersionRE.FindStringSubmatch(out)
	if m == nil {
		return errors.New("git is not installed on worker")
	}
	for _, p := range strings.Split(m[1], ".") {
		n, _ := strconv.Atoi(p)
		g.version = append(g.version, n)
	}
	g.supportsB = slices.Compare(g.version, []int{1, 6, 5}) >= 0
	if slices.Compare(g.version, []int{1, 7, 2}) < 0 {
		g.progress = false
	}
	return nil
}

func (g *Git) modeFull() error {
	switch g.method {
	case "clobber":
		return g.clobber()
	case "copy":
		return g.copy()
	}
	action, err := g.sourcedirIsUpdatable()
	if err != nil {
		return err
	}
	switch action {
	case "clobber":
		return g.clobber()
	case "clone":
		return g.fullCloneOrFallback()
	}
	switch g.method {
	case "clean":
		return g.clean()
	case "fresh":
		return g.fresh()
	}
	return fmt.Errorf("git: unknown method %q, check your configuration", g.method)
}

func (g *Git) modeIncremental() error {
	action, err := g.sourcedirIsUpdatable()
	if err != nil {
		return err
	}
	switch action {
	case "clobber":
		return g.clobber()
	case "clone":
		return g.fullCloneOrFallback()
	}
	if err := g.fetchOrFallback(); err != nil {
		return err
	}
	if err := g.syncSubmodule(); err != nil {
		return err
	}
	return g.updateSubmodule()
}

func (g *Git) clean() error {
	clean := []string{"clean", "-f", "-f", "-d"}
	for _, f := range []func() error{
		func() error { return g.mustRC(clean) },
		g.fetchOrFallback, g.syncSubmodule, g.updateSubmodule, g.cleanSubmodule,
	} {
		if err := f(); err != nil {
			return err
		}
	}
	if g.Cfg.Submodules {
		return g.mustRC(clean)
	}
	return nil
}

func (g *Git) fresh() error {
	clean := []string{"clean", "-f", "-f", "-d", "-x"}
	rc, err := g.dovccmdRC(clean, false)
	if err != nil {
		return err
	}
	if rc == 0 {
		err = g.fetchOrFallback()
	} else {
		if err = g.doClobber(); err == nil {
			err = g.fullCloneOrFallback()
		}
	}
	if err != nil {
		return err
	}
	for _, f := range []func() error{g.syncSubmodule, g.updateSubmodule, g.cleanSubmodule} {
		if err := f(); err != nil {
			return err
		}
	}
	if g.Cfg.Submodules {
		return g.mustRC(clean)
	}
	return nil
}

func (g *Git) clobber() error {
	if err := g.doClobber(); err != nil {
		return err
	}
	rc, err := g.fullClone(g.Cfg.Shallow)
	if err != nil {
		return err
	}
	if rc != 0 {
		return ErrFailed
	}
	return nil
}

func (g *Git) copy() error {
	if _, err := g.runRmdir(g.workdir, false); err != nil {
		return err
	}
	old := g.workdir
	g.workdir = srcdir
	defer func() { g.workdir = old }()
	if err := g.modeIncremental(); err != nil {
		return err
	}
	cmd := &RemoteCommand{Name: worker.CmdCpdir, Stdio: g.stdio, Args: map[string]any{
		"from_path":  g.sc.WorkerPathJoin(g.sc.BuilderDir(), srcdir),
		"to_path":    g.sc.WorkerPathJoin(g.sc.BuilderDir(), old),
		"logEnviron": true,
		"timeout":    seconds(g.timeout()),
	}}
	if err := g.sc.RunCommand(g.ctx, cmd); err != nil {
		return err
	}
	if cmd.DidFail() {
		return ErrFailed
	}
	return nil
}

func (g *Git) parseGotRevision() error {
	out, err := g.dovccmd([]string{"rev-parse", "HEAD"}, true, true)
	if err != nil {
		return err
	}
	rev := strings.TrimSpace(out)
	if len(rev) != gitHashLength {
		return ErrFailed
	}
	g.updateSourceProperty("got_revision", rev)
	return nil
}

// updateSourceProperty sets a property, as a dict by codebase when the step
// has a codebase (Buildbot's updateSourceProperty).
func (g *Git) updateSourceProperty(name, value string) {
	if g.Cfg.Codebase == "" {
		g.sc.SetProperty(name, value, "Git")
		return
	}
	d := map[string]any{}
	if old, ok := g.sc.Property(name); ok {
		if m, ok := old.(map[string]any); ok {
			for k, v := range m {
				d[k] = v
			}
		}
	}
	d[g.Cfg.Codebase] = value
	g.sc.SetProperty(name, d, "Git")
}

func (g *Git) fetch(abandonOnFailure bool) (int, error) {
	fetchRequired := true
	if g.revision != "" {
		rc, err := g.dovccmdRC([]string{"cat-file", "-e", g.revision}, false)
		if err != nil {
			return 0, err
		}
		fetchRequired = rc != 0
	}
	if fetchRequired {
		cmd := []string{"fetch", "-f", "-t", g.repourl, g.branch}
		if g.progress {
			cmd = append(cmd, "--progress")
		}
		rc, err := g.dovccmdRC(cmd, abandonOnFailure)
		if err != nil || rc != 0 {
			return rc, err
		}
	}
	rev := "FETCH_HEAD"
	if g.revision != "" {
		rev = g.revision
	}
	rc, err := g.dovccmdRC([]string{"checkout", "-f", rev}, abandonOnFailure)
	if err != nil {
		return rc, err
	}
	if rc == 0 && g.branch != "HEAD" {
		if _, err := g.dovccmdRC([]string{"checkout", "-B", g.branch}, false); err != nil {
			return rc, err
		}
	}
	return rc, nil
}

func (g *Git) fetchOrFallback() error {
	abandon := !g.Cfg.RetryFetch && !g.Cfg.ClobberOnFailure
	rc, err := g.fetch(abandon)
	if err != nil {
		return err
	}
	if rc == 0 {
		return nil
	}
	switch {
	case g.Cfg.RetryFetch:
		_, err = g.fetch(true)
		return err
	case g.Cfg.ClobberOnFailure:
		return g.clobber()
	}
	return ErrFailed
}

func (g *Git) clone(shallow int) (int, error) {
	cmd := []string{"clone"}
	switchToBranch := g.branch != "HEAD"
	if g.supportsB && g.branch != "HEAD" {
		if strings.HasPrefix(g.branch, "refs/") {
			cmd = append(cmd, "--no-checkout")
		} else {
			switchToBranch = false
			cmd = append(cmd, "--branch", g.branch)
		}
	}
	if shallow > 0 {
		cmd = append(cmd, "--depth", strconv.Itoa(shallow))
	}
	if g.Cfg.Reference != "" {
		ref, err := g.sc.Render(g.Cfg.Reference)
		if err != nil {
			return 0, err
		}
		cmd = append(cmd, "--reference", ref)
	}
	cmd = append(cmd, g.repourl, ".")
	if g.progress {
		cmd = append(cmd, "--progress")
	}
	rc, err := g.dovccmdRC(cmd, shallow > 0)
	if err != nil {
		return rc, err
	}
	if switchToBranch {
		return g.fetch(true)
	}
	return rc, nil
}

func (g *Git) fullClone(shallow int) (int, error) {
	rc, err := g.clone(shallow)
	if err != nil || rc != 0 {
		return rc, err
	}
	if g.revision != "" {
		if rc, err = g.dovccmdRC([]string{"checkout", "-f", g.revision}, shallow > 0); err != nil {
			return rc, err
		}
	}
	if g.Cfg.Submodules {
		rc, err = g.dovccmdRC([]string{"submodule", "update", "--init", "--recursive"}, shallow > 0)
	}
	return rc, err
}

func (g *Git) fullCloneOrFallback() error {
	rc, err := g.fullClone(0)
	if err != nil {
		return err
	}
	if rc != 0 {
		if !g.Cfg.ClobberOnFailure {
			return ErrFailed
		}
		return g.clobber()
	}
	return nil
}

func (g *Git) doClobber() error {
	rc, err := g.runRmdir(g.workdir, true)
	if err != nil {
		return err
	}
	if rc != 0 {
		return errors.New("Failed to delete directory")
	}
	return nil
}

func (g *Git) syncSubmodule() error {
	if !g.Cfg.Submodules {
		return nil
	}
	return g.mustRC([]string{"submodule", "sync"})
}

func (g *Git) updateSubmodule() error {
	if !g.Cfg.Submodules {
		return nil
	}
	cmd := []string{"submodule", "update", "--init", "--recursive"}
	if slices.Compare(g.version, []int{1, 7, 6}) >= 0 {
		cmd = append(cmd, "--force")
	}
	if slices.Compare(g.version, []int{1, 7, 8}) >= 0 {
		cmd = append(cmd, "--checkout")
	}
	return g.mustRC(cmd)
}

func (g *Git) cleanSubmodule() error {
	if !g.Cfg.Submodules {
		return nil
	}
	sub := "git clean -f -f -d"
	if g.Cfg.Mode == "full" && g.method == "fresh" {
		sub += " -x"
	}
	return g.mustRC([]string{"submodule", "foreach", "--recursive", sub})
}

// sourcedirIsUpdatable lists the workdir: "update" when it holds .git,
// "clobber" when it holds something else, "clone" when empty or missing.
func (g *Git) sourcedirIsUpdatable() (string, error) {
	cmd := &RemoteCommand{Name: worker.CmdListdir, Stdio: g.stdio,
		Args: map[string]any{"path": g.sc.WorkerPathJoin(g.sc.BuilderDir(), g.workdir)}}
	if err := g.sc.RunCommand(g.ctx, cmd); err != nil {
		return "", err
	}
	switch {
	case !cmd.HasFiles:
		return "clone", nil
	case slices.Contains(cmd.Files, ".git"):
		return "update", nil
	case len(cmd.Files) > 0:
		return "clobber", nil
	}
	return "clone", nil
}

// pathExists is Buildbot's CompositeStepMixin.pathExists: a stat of a path
// relative to the builder directory.
func (g *Git) pathExists(rel string) (bool, error) {
	cmd := &RemoteCommand{Name: worker.CmdStat, Stdio: g.stdio,
		Args: map[string]any{"path": g.sc.WorkerPathJoin(g.sc.BuilderDir(), rel), "logEnviron": true}}
	if err := g.sc.RunCommand(g.ctx, cmd); err != nil {
		return false, err
	}
	return !cmd.DidFail(), nil
}

func (g *Git) runRmdir(rel string, abandonOnFailure bool) (int, error) {
	cmd := &RemoteCommand{Name: worker.CmdRmdir, Stdio: g.stdio, Args: map[string]any{
		"paths":      []string{g.sc.WorkerPathJoin(g.sc.BuilderDir(), rel)},
		"logEnviron": true,
		"timeout":    seconds(g.timeout()),
	}}
	if err := g.sc.RunCommand(g.ctx, cmd); err != nil {
		return 0, err
	}
	if abandonOnFailure && cmd.DidFail() {
		return cmd.RC, ErrFailed
	}
	return cmd.RC, nil
}

func (g *Git) timeout() time.Duration {
	if g.Common.Timeout > 0 {
		return g.Common.Timeout
	}
	return 20 * time.Minute
}

func (g *Git) mustRC(args []string) error {
	rc, err := g.dovccmdRC(args, true)
	if err != nil {
		return err
	}
	if rc != 0 {
		return ErrFailed
	}
	return nil
}

func (g *Git) dovccmdRC(args []string, abandonOnFailure bool) (int, error) {
	cmd, err := g.runGit(args, false)
	if err != nil {
		return 0, err
	}
	if abandonOnFailure && cmd.DidFail() {
		return cmd.RC, ErrFailed
	}
	if !cmd.HasRC {
		return -1, nil
	}
	return cmd.RC, nil
}

func (g *Git) dovccmd(args []string, abandonOnFailure, collectStdout bool) (string, error) {
	cmd, err := g.runGit(args, collectStdout)
	if err != nil {
		return "", err
	}
	if abandonOnFailure && cmd.DidFail() {
		return "", ErrFailed
	}
	return cmd.Stdout.String(), nil
}

// runGit runs `git ARGS` in the workdir as Buildbot's _dovccmd: TERM one
// second before KILL, so git can remove its lock files.
func (g *Git) runGit(args []string, collectStdout bool) (*RemoteCommand, error) {
	argv := append([]string{"git"}, args...)
	shellArgs, err := ShellArgs(g.sc, ShellOptions{
		Command: argv, Workdir: g.workdir, Env: g.Common.Env,
		Timeout: g.timeout(), MaxTime: g.Common.MaxTime,
		WantStdout: true, WantStderr: true, SigtermTime: time.Second,
	})
	if err != nil {
		return nil, err
	}
	cmd := &RemoteCommand{Name: worker.CmdShell, Args: shellArgs, Stdio: g.stdio, CollectStdout: collectStdout}
	if err := g.sc.RunCommand(g.ctx, cmd); err != nil {
		return nil, err
	}
	return cmd, nil
}
