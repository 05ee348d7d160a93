package botmaster

import (
	"os"
	"testing"

	"github.com/bbhost/bbhost/host/plugins/plugintest"
)

func TestMain(m *testing.M) { os.Exit(plugintest.Main(m)) }
