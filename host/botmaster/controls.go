package botmaster

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bbhost/bbhost/host/data"
)

// ControlRegistry is where the engine registers its JSON-RPC controls;
// host/data's *API implements it.
type ControlRegistry interface {
	RegisterControl(pattern, action string, h data.ControlHandler) error
}

var _ ControlRegistry = (*data.API)(nil)

// buildPatterns are the paths of a build (Buildbot's BuildEndpoint).
var buildPatterns = []string{
	"/builds/n:buildid",
	"/builders/n:builderid/builds/n:number",
	"/builders/i:buildername/builds/n:number",
}

// RegisterControls registers `stop` and `rebuild` on builds and `cancel` on
// build requests (§9.5).
func (bm *BotMaster) RegisterControls(r ControlRegistry) error {
	for _, p := range buildPatterns {
		if err := r.RegisterControl(p, "stop", bm.controlStop); err != nil {
			return err
		}
		if err := r.RegisterControl(p, "rebuild", bm.controlRebuild); err != nil {
			return err
		}
	}
	return r.RegisterControl("/buildrequests/n:buildrequestid", "cancel", bm.controlCancel)
}

// controlReason is the control's reason parameter ("no reason" when absent).
func controlReason(params map[string]any) string {
	if r, ok := params["reason"]; ok && r != nil {
		return fmt.Sprint(r)
	}
	return "no reason"
}

// buildFromPath resolves a build path to a build id.
func (bm *BotMaster) buildFromPath(ctx context.Context, args data.PathArgs) (int64, error) {
	if id, ok := args.Int("buildid"); ok {
		return id, nil
	}
	number, _ := args.Int("number")
	builderID, ok := args.Int("builderid")
	if !ok {
		name, _ := args.String("buildername")
		b := bm.Builder(name)
		if b == nil {
			return 0, &data.NotFoundError{Msg: fmt.Sprintf("builder %q not found", name)}
		}
		builderID = b.ID()
	}
	id, err := bm.reads.BuildByNumber(ctx, builderID, number)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, &data.NotFoundError{Msg: fmt.Sprintf("build %d of builder %d not found", number, builderID)}
	}
	return id, nil
}

func (bm *BotMaster) controlStop(ctx context.Context, args data.PathArgs, params map[string]any) (any, error) {
	id, err := bm.buildFromPath(ctx, args)
	if err != nil {
		return nil, err
	}
	return nil, bm.StopBuild(ctx, id, controlReason(params))
}

func (bm *BotMaster) controlRebuild(ctx context.Context, args data.PathArgs, _ map[string]any) (any, error) {
	id, err := bm.buildFromPath(ctx, args)
	if err != nil {
		return nil, err
	}
	bsid, brids, err := bm.Rebuild(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, &data.NotFoundError{Msg: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(brids))
	for bid, brid := range brids {
		out[strconv.FormatInt(bid, 10)] = brid
	}
	return []any{bsid, out}, nil
}

func (bm *BotMaster) controlCancel(ctx context.Context, args data.PathArgs, params map[string]any) (any, error) {
	brid, _ := args.Int("buildrequestid")
	return nil, bm.CancelBuildRequest(ctx, brid, controlReason(params))
}
