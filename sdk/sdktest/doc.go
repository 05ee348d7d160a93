// Package sdktest runs a plugin's components in-process against a fake
// master, so authors test without building binaries or starting a master.
//
// The Harness serves the plugin over an in-memory gRPC connection with the
// same shims a plugin process uses (configuration encoded with cty/msgpack,
// diagnostics, the Host service), and hands back the master's view of each
// instance. Master records what the components submit (changes, buildsets,
// state, users) and feeds them events:
//
//	func TestWatcher(t *testing.T) {
//		h := sdktest.New(t, myplugin.Plugin())
//		cs := h.ChangeSource(t, "patchdir", "incoming", `dir = "`+t.TempDir()+`"`)
//		if err := cs.Start(context.Background()); err != nil {
//			t.Fatal(err)
//		}
//		// ... drop a file ...
//		changes := h.Master.WaitChanges(t, 1, 5*time.Second)
//	}
package sdktest
