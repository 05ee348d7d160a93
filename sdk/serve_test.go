package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
)

type nopSource struct{ changesource.PollNotSupported }

func (nopSource) Configure(context.Context, base.ConfigureRequest) error { return nil }
func (nopSource) Start(context.Context) error                            { return nil }
func (nopSource) Stop(context.Context, time.Time) error                  { return nil }

func TestDescribeArgument(t *testing.T) {
	var out bytes.Buffer
	p := Plugin{Name: "nop", Version: "1.0.0", Components: []Component{
		changesource.Component{Kind: "nop", Docs: "does nothing", New: func() changesource.ChangeSource { return nopSource{} }},
	}}
	if code := run(p, []string{"describe"}, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var info base.PluginInfo
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if info.Name != "nop" || info.Version != "1.0.0" || len(info.ProtocolVersions) != 1 || info.ProtocolVersions[0] != 1 ||
		len(info.Components) != 1 || info.Components[0].Type != base.TypeChangeSource || info.Components[0].Kind != "nop" {
		t.Errorf("describe %+v", info)
	}
	if info.Components[0].Has("poll") {
		t.Error("a source embedding PollNotSupported claims to poll")
	}
}

func TestInvalidPlugin(t *testing.T) {
	dup := Plugin{Name: "dup", Components: []Component{
		changesource.Component{Kind: "x", New: func() changesource.ChangeSource { return nopSource{} }},
		changesource.Component{Kind: "x", New: func() changesource.ChangeSource { return nopSource{} }},
	}}
	if code := run(dup, []string{"describe"}, &bytes.Buffer{}); code != 1 {
		t.Errorf("a plugin with a kind twice: exit %d", code)
	}
	bad := Plugin{Name: "bad", Components: []Component{
		changesource.Component{Kind: "x", Config: struct {
			C chan int `hcl:"c"`
		}{}, New: func() changesource.ChangeSource { return nopSource{} }},
	}}
	if _, err := NewServer(bad, nil); err == nil {
		t.Error("a config struct with a channel was accepted")
	}
}

func TestWatchParent(t *testing.T) {
	gone := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Our real parent is not this pid: the watchdog must fire.
	go watchParent(ctx, os.Getppid()+1, func() { close(gone) })
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not notice the parent change")
	}
	// With the right parent it stays quiet until cancelled.
	quiet := make(chan struct{})
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { watchParent(ctx2, os.Getppid(), func() { close(quiet) }); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	cancel2()
	<-done
	select {
	case <-quiet:
		t.Error("the watchdog fired with the parent alive")
	default:
	}
}
