package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/master"
)

func runVersion(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "bbhost %s\n", master.Version)
	fmt.Fprintf(stdout, "plugin protocol %d\n", pluginProtocolVersion)
	fmt.Fprintf(stdout, "database schema %d\n", db.SchemaVersion)
	fmt.Fprintf(stdout, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
