package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"
)

const pluginsUsage = `usage: bbhost plugins list [-config PATH]
       bbhost plugins describe [-config PATH] NAME
       bbhost plugins install [-config PATH] PATH|URL
       bbhost plugins lock [-config PATH]

Plugins live in <basedir>/plugins (then beside the bbhost binary, then at
plugin blocks' sources); the base directory comes from the configuration.
install takes a bbhost-plugin-NAME binary or a release archive
bbhost-plugin-NAME_vX.Y.Z_OS_ARCH.zip with SHA256SUMS beside it, checks its
checksum and records it in <basedir>/.bbhost.lock.hcl; lock records every
plugin found.
`

// runPluginsCommand implements `bbhost plugins`.
func runPluginsCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, pluginsUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fs := flag.NewFlagSet("plugins "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pluginsUsage) }
	configPath := fs.String("config", "master.hcl", "configuration file or directory (finds the base directory)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	want := map[string]int{"list": 0, "lock": 0, "describe": 1, "install": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintf(stderr, "bbhost plugins: unknown command %q\n\n%s", sub, pluginsUsage)
		return 2
	}
	if len(pos) != n {
		fmt.Fprintf(stderr, "bbhost plugins %s: expected %d argument(s), got %d\n\n%s", sub, n, len(pos), pluginsUsage)
		return 2
	}
	basedir, ok := basedirOf(*configPath, stderr)
	if !ok {
		fmt.Fprintf(stderr, "bbhost plugins: cannot find the base directory from %s\n", *configPath)
		return 1
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "bbhost", Level: hclog.Warn, Output: stderr})
	host, err := plugins.New(plugins.Options{Basedir: basedir, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "bbhost plugins: %v\n", err)
		return 1
	}
	defer host.Close()
	cfgPins(host, *configPath)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	switch sub {
	case "list":
		return pluginsList(ctx, host, stdout, stderr)
	case "describe":
		return pluginsDescribe(ctx, host, pos[0], stdout, stderr)
	case "install":
		res, err := host.Catalog().Install(ctx, pos[0], nil)
		if err != nil {
			fmt.Fprintf(stderr, "bbhost plugins install: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "installed plugin %s %s\n  path   %s\n  sha256 %s\nrecorded in %s\n", res.Info.Name, res.Info.Version,
			res.Binary.Path, res.Binary.SHA256, plugins.LockFilePath(basedir))
		return 0
	default: // lock
		bins, err := host.Catalog().Lock(ctx)
		for _, b := range bins {
			fmt.Fprintf(stdout, "locked %s %s %s\n", b.Name, b.SHA256, b.Path)
		}
		if err != nil {
			fmt.Fprintf(stderr, "bbhost plugins lock: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", plugins.LockFilePath(basedir))
		return 0
	}
}

// cfgPins installs the configuration's `plugin` blocks in the catalog.
func cfgPins(host *plugins.Host, path string) {
	if cfg, ok := loadHostConfig(path, io.Discard); ok && cfg != nil {
		host.Catalog().SetPins(cfg.Plugins)
	}
}

// parseInterleaved parses flags placed before, between or after the
// positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func pluginsList(ctx context.Context, host *plugins.Host, stdout, stderr io.Writer) int {
	bins, errs := host.Catalog().Discover()
	lf, lerr := plugins.ReadLockFile(host.Catalog().Basedir())
	if lerr != nil {
		fmt.Fprintf(stderr, "bbhost plugins list: %v\n", lerr)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tLOCK\tKINDS\tSOURCE\tPATH")
	code := 0
	for _, b := range bins {
		lock := "unlocked"
		if e, ok := lf.Plugins[b.Name]; ok {
			lock = "ok"
			if e.SHA256 != b.SHA256 {
				lock = "MISMATCH"
			}
		}
		version, kinds := "?", "-"
		info, err := host.Catalog().Describe(ctx, b)
		if err != nil {
			var ce *plugins.ChecksumError
			if errors.As(err, &ce) {
				lock = "REFUSED"
			}
			errs = append(errs, err)
			code = 1
		} else {
			version, kinds = info.Version, kindList(info.Components)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", b.Name, version, lock, kinds, b.Source, b.Path)
	}
	_ = tw.Flush()
	if len(bins) == 0 {
		fmt.Fprintf(stdout, "no plugins in %s\n", host.Catalog().PluginDir())
	}
	for _, err := range errs {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	return code
}

func kindList(cs []base.ComponentInfo) string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Type)+" "+c.Kind)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func pluginsDescribe(ctx context.Context, host *plugins.Host, name string, stdout, stderr io.Writer) int {
	info, bin, err := host.DescribePlugin(ctx, name)
	if err != nil {
		fmt.Fprintf(stderr, "bbhost plugins describe: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "plugin %s %s\n  path      %s\n  sha256    %s\n  protocols %v\n  sdk       %s\n",
		info.Name, info.Version, bin.Path, bin.SHA256, info.ProtocolVersions, info.SDKVersion)
	for _, c := range info.Components {
		fmt.Fprintf(stdout, "\n%s %q\n", c.Type, c.Kind)
		if c.Docs != "" {
			for _, l := range strings.Split(strings.TrimSpace(c.Docs), "\n") {
				fmt.Fprintf(stdout, "  %s\n", l)
			}
		}
		if len(c.Capabilities) > 0 {
			fmt.Fprintf(stdout, "  capabilities: %s\n", strings.Join(c.Capabilities, ", "))
		}
		writeBlock(stdout, c.Schema, "  ")
	}
	return 0
}

func writeBlock(w io.Writer, b base.Block, indent string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range b.Attributes {
		req := "optional"
		if a.Required {
			req = "required"
		}
		if a.Sensitive {
			req += ", sensitive"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", indent, a.Name, typeName(a.Type), req, a.Description)
	}
	_ = tw.Flush()
	for _, nb := range b.Blocks {
		nest := "block"
		if nb.Nesting == base.NestingList {
			nest = "blocks"
		}
		fmt.Fprintf(w, "%s%s { ... }\t(%s)\t%s\n", indent, nb.Name, nest, nb.Block.Description)
		writeBlock(w, nb.Block, indent+"  ")
	}
}

func typeName(t cty.Type) string {
	if t == cty.DynamicPseudoType {
		return "any"
	}
	return t.FriendlyName()
}
