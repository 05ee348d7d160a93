package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bbhost/bbhost/host/config"
	"github.com/mattn/go-isatty"
)

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "master.hcl", "configuration file or directory of *.hcl files")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, diags, cleanup := loadWithPlugins(*configPath, stderr)
	defer cleanup()
	if len(diags) > 0 {
		color := false
		if f, ok := stderr.(*os.File); ok {
			color = isatty.IsTerminal(f.Fd())
		}
		_ = config.WriteDiagnostics(stderr, cfg.Sources, diags, color)
	}
	if diags.HasErrors() {
		return 1
	}
	fmt.Fprintf(stdout, "configuration %s is valid (%d builders, %d workers, %d schedulers, %d change sources)\n",
		*configPath, len(cfg.Builders), len(cfg.Workers), len(cfg.Schedulers), len(cfg.ChangeSources))
	return 0
}

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "only list files that are not in canonical form; exit 1 if any")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	changed, err := config.FormatFiles(paths, *check, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "bbhost fmt:", err)
		return 1
	}
	if *check && len(changed) > 0 {
		return 1
	}
	return 0
}
