package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/bbhost/bbhost/host/db"
)

func runDB(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "upgrade" {
		fmt.Fprintln(stderr, "usage: bbhost db upgrade -config PATH")
		return 2
	}
	fs := flag.NewFlagSet("db upgrade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "master.hcl", "configuration file or directory")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	cfg, ok := loadHostConfig(*configPath, stderr)
	if !ok {
		return 1
	}
	ctx := context.Background()
	d, err := db.Open(ctx, cfg.Database.URL, db.Options{Basedir: cfg.Master.Basedir})
	if err != nil {
		fmt.Fprintln(stderr, "bbhost db upgrade:", err)
		return 1
	}
	defer d.Close()
	from, to, err := d.Upgrade(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "bbhost db upgrade: %s: %v\n", d.URL(), err)
		return 1
	}
	switch {
	case from == 0:
		fmt.Fprintf(stdout, "created database %s at schema version %d\n", d.URL(), to)
	case from == to:
		fmt.Fprintf(stdout, "database %s is up to date (schema version %d)\n", d.URL(), to)
	default:
		fmt.Fprintf(stdout, "upgraded database %s from schema version %d to %d\n", d.URL(), from, to)
	}
	return 0
}
