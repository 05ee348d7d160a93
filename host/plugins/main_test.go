package plugins_test

import (
	"os"
	"testing"

	"github.com/bbhost/bbhost/host/plugins/plugintest"
)

func TestMain(m *testing.M) {
	if os.Getenv(testHostEnv) != "" {
		os.Exit(runTestHost())
	}
	os.Exit(plugintest.Main(m))
}
