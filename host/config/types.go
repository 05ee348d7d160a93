package config

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Config is one loaded, checked configuration: every top-level block of
// SPEC §3. Values are decoded Go values; ranges point into the files for
// later diagnostics (for example a plugin rejecting its own block). A Config
// is never modified after Load returns, except that host/plugins fills
// PluginBlock.Value when it decodes plugin blocks.
type Config struct {
	// Files are the configuration files in load order (absolute paths).
	Files []string
	// Dir is the configuration directory (of the file, or the directory given).
	Dir string
	// Sources maps a file name to its parsed file, for diagnostic snippets.
	Sources map[string]*hcl.File
	// EvalContext evaluates plugin bodies later (env, file, locals, stdlib).
	EvalContext *hcl.EvalContext

	Master    Master
	Database  Database
	MQ        MQ
	WWW       WWW
	Protocols []Protocol
	Plugins   []PluginPin

	Workers       []PluginBlock
	ChangeSources []PluginBlock
	Schedulers    []PluginBlock
	UserManagers  []PluginBlock

	Builders    []Builder
	ChangeHooks []ChangeHook
	Locks       []Lock
	Metrics     Metrics
	Caches      Caches
	Manhole     *Manhole // nil when there is no manhole block
}

// Master is the `master` block. Every attribute has a default.
type Master struct {
	// Name identifies the master in the masters table; default "<hostname>:<basedir>".
	Name  string
	Title string // default "bbhost"
	URL   string // default "http://localhost:8010/"
	// Basedir holds the state, the pid file and the plugin directory; absolute
	// after Load (relative ones are relative to Dir). Default: Dir.
	Basedir string
	// LogCompression is how log chunks are stored: "zstd" (default), "gz" or "raw".
	LogCompression string
	// LogEncoding decodes worker output; default "utf-8".
	LogEncoding string
	// CollapseRequests is the global default of builders' collapse_requests
	// (Buildbot's c['collapseRequests']); default true.
	CollapseRequests bool
	// ChangeHorizon keeps only the newest N changes (0 = keep all).
	ChangeHorizon int
	// Properties are global build properties (Buildbot's c['properties']),
	// JSON-compatible values.
	Properties map[string]any
	Range      hcl.Range
}

// Database is the `database` block.
type Database struct {
	// URL is "sqlite:///relative.sqlite" (relative to Basedir),
	// "sqlite:////abs/path", "sqlite://:memory:" or "postgres://...".
	// Default "sqlite:///state.sqlite".
	URL string
	// CommitDelay (SQLite) lets the progress writes of running builds share
	// one commit at most this long after the first (default 2ms; "0s" commits
	// every write by itself). A crash can lose that much build progress —
	// never a change, a buildset or a claim — and the interrupted builds are
	// retried anyway.
	CommitDelay time.Duration
	Range       hcl.Range
}

// DefaultCommitDelay is the database block's default commit_delay.
const DefaultCommitDelay = 2 * time.Millisecond

// MQ is the `mq` block.
type MQ struct {
	Type  string // "simple" (default) or "nats"
	URL   string // nats only
	Range hcl.Range
}

// WWW is the `www` block.
type WWW struct {
	// Listen is host:port of the web server; "" when there is no www block
	// (no web server).
	Listen         string
	AllowedOrigins []string
	Range          hcl.Range
}

// Protocol is one `protocol "pb"|"msgpack" { listen = ... }` block.
type Protocol struct {
	Type   string // "pb" or "msgpack"
	Listen string
	Range  hcl.Range
}

// PluginPin is a `plugin "NAME" { source, sha256 }` block.
type PluginPin struct {
	Name   string
	Source string // absolute path after Load, "" when not given
	SHA256 string // lower-case hex, "" when not given
	Range  hcl.Range
}

// PluginType is the kind of component a plugin block configures.
type PluginType string

const (
	TypeWorker       PluginType = "worker"
	TypeChangeSource PluginType = "change_source"
	TypeScheduler    PluginType = "scheduler"
	TypeUserManager  PluginType = "user_manager"
)

// PluginBlock is a `worker`, `change_source`, `scheduler` or `user_manager`
// block: `<type> "<kind>" "<name>" { ... }`. The body belongs to the plugin
// that provides the kind; the host reads only the common attributes below
// (which stay part of the body the plugin sees).
type PluginBlock struct {
	Type PluginType
	Kind string
	Name string
	// Body is the undecoded block body; decode it with EvalContext.
	Body hcl.Body

	// Builders (schedulers): the builders the scheduler feeds.
	Builders []string
	// MaxBuilds (workers): concurrent builds, 0 = unlimited.
	MaxBuilds int
	// Properties (workers, schedulers): JSON-compatible values.
	Properties map[string]any

	// Value is the body decoded against the plugin's schema; cty.NilVal until
	// host/plugins decodes it (or Load does, when given a SchemaSource).
	Value cty.Value

	DefRange  hcl.Range // the block header
	KindRange hcl.Range // the kind label
	NameRange hcl.Range // the name label
	// AttrRanges maps attribute names to their full ranges, for diagnostics.
	AttrRanges map[string]hcl.Range
}

// Builder is a `builder "NAME" { ... }` block.
type Builder struct {
	Name             string
	Workers          []string
	Tags             []string
	Description      string
	Project          string
	Properties       map[string]any
	DefaultProps     map[string]any // default_properties: set only when absent
	CollapseRequests *bool          // nil = Master.CollapseRequests
	Locks            []LockAccess
	// NextWorker is "random" (Buildbot's default) or "first".
	NextWorker string
	// NextBuild is "oldest" (default) or "newest".
	NextBuild string
	// BuildDir is the builder's directory on the worker; default the builder's
	// name made safe for a file name (Buildbot's workerbuilddir).
	BuildDir string
	Env      map[string]string
	Steps    []Step
	DefRange hcl.Range
}

// LockAccess names a lock and how it is taken.
type LockAccess struct {
	Name   string
	Access string // "counting" (default) or "exclusive"
}

// Step is one `step "<kind>" ["<name>"] { ... }` block of a builder. Kind is one
// of the host's step kinds (StepKinds). Exactly one of the kind-specific
// pointers is set, matching Kind.
type Step struct {
	Kind   string
	Name   string // the second label, or a default derived from the kind (Buildbot's step names)
	Common StepCommon

	Shell                  *ShellStep
	Git                    *GitStep
	SetProperty            *SetPropertyStep
	SetPropertyFromCommand *SetPropertyFromCommandStep
	Trigger                *TriggerStep
	FileUpload             *FileUploadStep
	FileDownload           *FileDownloadStep
	StringDownload         *StringDownloadStep
	MakeDirectory          *DirStep // mkdir
	RemoveDirectory        *DirStep // rmdir
}

// StepCommon holds the attributes every step takes (Buildbot's BuildStep
// arguments in snake_case). String values may contain Buildbot interpolation
// (`%(prop:x)s`), rendered at build time.
type StepCommon struct {
	HaltOnFailure   bool
	FlunkOnFailure  bool // default true
	WarnOnFailure   bool
	WarnOnWarnings  bool
	FlunkOnWarnings bool
	AlwaysRun       bool
	// DoStepIf and HideStepIf are "" (not set), "true"/"false", or an
	// interpolation rendered at build time and read as a boolean.
	DoStepIf   string
	HideStepIf string

	Description       string
	DescriptionDone   string
	DescriptionSuffix string
	Workdir           string
	Locks             []LockAccess
	// Timeout is the time without output before the command is killed
	// (Buildbot default 20m); MaxTime bounds the whole command (0 = none).
	Timeout time.Duration
	MaxTime time.Duration
	// Env adds environment variables to the step's commands.
	Env map[string]string
	// LogEncoding overrides Master.LogEncoding for this step.
	LogEncoding string
}

// Command is a command line: either an argv list or one shell string.
type Command struct {
	Argv  []string // set when the attribute is a list
	Shell string   // set when the attribute is a string
}

// ShellStep is `step "shell"` (Buildbot's ShellCommand).
type ShellStep struct {
	Command Command
	// DecodeRC maps exit codes to results (Buildbot's decodeRC); nil = {0: SUCCESS}.
	DecodeRC map[int]int
	// LogFiles maps a log name to a file on the worker to follow.
	LogFiles map[string]string
	Usepty   bool
	// WantStdout/WantStderr (want_stdout, want_stderr); both default true.
	WantStdout bool
	WantStderr bool
}

// GitStep is `step "git"` (Buildbot's Git source step).
type GitStep struct {
	RepoURL string
	Branch  string
	// Mode is "incremental" (default) or "full"; Method (full only) is
	// "clean", "fresh", "clobber" (default "fresh") or "copy".
	Mode       string
	Method     string
	Submodules bool
	// Shallow is the clone depth (0 = full history); `shallow = true` is 1.
	Shallow     int
	Codebase    string
	RetryFetch  bool
	ProgressLog bool // `progress`, default true
	// Branch defaults to "HEAD"; the sourcestamp's branch takes precedence.
	// AlwaysUseLatest ignores the sourcestamp's revision (Buildbot's
	// alwaysUseLatest); ClobberOnFailure re-clones after a failed update;
	// Reference is a local repository to borrow objects from.
	AlwaysUseLatest  bool
	ClobberOnFailure bool
	Reference        string
}

// SetPropertyStep is `step "set_property" { property, value }`.
type SetPropertyStep struct {
	Property string
	Value    any // JSON-compatible; strings are rendered
}

// SetPropertyFromCommandStep is `step "set_property_from_command"`.
type SetPropertyFromCommandStep struct {
	Command  Command
	Property string
	Strip    bool // default true
}

// TriggerStep is `step "trigger"`.
type TriggerStep struct {
	SchedulerNames    []string
	WaitForFinish     bool
	UpdateSourceStamp bool // default true, unless always_use_latest
	AlwaysUseLatest   bool
	SetProperties     map[string]any
	CopyProperties    []string
}

// FileUploadStep is `step "file_upload" { workersrc, masterdest }`.
type FileUploadStep struct {
	WorkerSrc  string
	MasterDest string // relative to Basedir
	Mode       *int   // file mode, nil = default
	MaxSize    int64
}

// FileDownloadStep is `step "file_download" { mastersrc, workerdest }`.
type FileDownloadStep struct {
	MasterSrc  string
	WorkerDest string
	Mode       *int
	MaxSize    int64
}

// StringDownloadStep is `step "string_download" { s, workerdest }`.
type StringDownloadStep struct {
	S          string
	WorkerDest string
	Mode       *int
}

// DirStep is `step "mkdir"` and `step "rmdir"` (`dir`).
type DirStep struct {
	Dir string
}

// ChangeHook is a `change_hook "<dialect>" { ... }` block.
type ChangeHook struct {
	Dialect string // base, github, gitlab, gitea, bitbucket
	Secret  string
	Strict  bool
	// Codebase sets the codebase of the changes a hook produces.
	Codebase string
	// Token authenticates API calls some dialects make (GitHub PR files).
	Token string
	// Skips are regular expressions; a push whose head commit message matches
	// one is ignored (GitHub default: [skip ci] / [ci skip]).
	Skips []string
	// PropertyWhitelist lists payload properties to copy (github.*, bitbucket.*).
	PropertyWhitelist []string
	PullRequestRef    string // GitHub, default "merge"
	Range             hcl.Range
}

// Lock is a `lock "worker"|"master" "NAME" { max_count, max_count_for_worker }` block.
type Lock struct {
	Type              string // "worker" or "master"
	Name              string
	MaxCount          int            // default 1
	MaxCountForWorker map[string]int // worker locks only
	Range             hcl.Range
}

// Metrics is the `metrics` block.
type Metrics struct {
	LogInterval time.Duration // 0 = no periodic metric log line
	Range       hcl.Range
}

// Caches is the `caches` block: cache name → maximum entries (names as
// Buildbot's c['caches'], in snake_case: changes, builds, chdicts,
// buildrequests, ssdicts, objectids, usdicts, buildset_properties). After
// Load, Sizes holds every cache: Buildbot's defaults (builds 15, changes 10,
// others 1) unless configured.
type Caches struct {
	Sizes map[string]int
	Range hcl.Range
}

// Manhole is the `manhole` block (SSH debug shell).
type Manhole struct {
	Listen         string
	AuthorizedKeys string // the authorized_keys file's content
	Range          hcl.Range
}

// SchemaSource gives Load the schemas of plugin kinds, so plugin blocks are
// decoded (and unknown kinds reported) while loading. host/plugins implements
// it from the plugins' Describe answers.
type SchemaSource interface {
	// Kinds lists the kinds of a plugin type that some plugin provides.
	Kinds(typ PluginType) []string
	// Spec returns the spec of a kind's block body without the common
	// attributes, which Load adds itself; ok is false for an unknown kind.
	Spec(typ PluginType, kind string) (spec hcldec.Spec, ok bool)
}
