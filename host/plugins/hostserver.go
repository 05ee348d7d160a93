package plugins

import (
	"context"

	"github.com/bbhost/bbhost/sdk/base"
)

// hostServer is the Host service offered to one plugin process: every call
// is admitted by the process's bindings (known instance, current
// generation), then handed to HostServices. Write calls keep the binding
// held while they run, so a hot swap or reconfiguration waits for them.
type hostServer struct{ p *process }

var _ base.HostServer = (*hostServer)(nil)

func (s *hostServer) svc() (HostServices, error) {
	if s.p.h.svc == nil {
		return nil, errNoServices
	}
	return s.p.h.svc, nil
}

func (s *hostServer) AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.ChangeResult{}, err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return base.ChangeResult{}, err
	}
	return svc.AddChange(ctx, ref, ch, writes)
}

func (s *hostServer) AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return base.BuildsetResult{}, err
	}
	if spec.Scheduler == "" {
		spec.Scheduler = ref.Name
	}
	return svc.AddBuildset(ctx, ref, spec, writes)
}

func (s *hostServer) GetObjectID(ctx context.Context, ref base.Ref, name, className string) (int64, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return 0, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return 0, err
	}
	return svc.GetObjectID(ctx, name, className)
}

func (s *hostServer) GetState(ctx context.Context, ref base.Ref, objectID int64, name string) (base.State, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.State{}, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return base.State{}, err
	}
	return svc.GetState(ctx, objectID, name)
}

func (s *hostServer) SetState(ctx context.Context, ref base.Ref, w base.StateWrite) (int64, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return 0, err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return 0, err
	}
	return svc.SetState(ctx, w)
}

func (s *hostServer) GetChange(ctx context.Context, ref base.Ref, id int64) (base.Change, bool, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.Change{}, false, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return base.Change{}, false, err
	}
	return svc.GetChange(ctx, id)
}

func (s *hostServer) GetBuildset(ctx context.Context, ref base.Ref, bsid int64) (base.Buildset, bool, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.Buildset{}, false, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return base.Buildset{}, false, err
	}
	return svc.GetBuildset(ctx, bsid)
}

func (s *hostServer) FindUserByAttr(ctx context.Context, ref base.Ref, identifier, attrType, attrData string) (int64, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return 0, err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return 0, err
	}
	return svc.FindUserByAttr(ctx, identifier, attrType, attrData)
}

func (s *hostServer) GetUser(ctx context.Context, ref base.Ref, uid int64) (base.User, bool, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return base.User{}, false, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return base.User{}, false, err
	}
	return svc.GetUser(ctx, uid)
}

func (s *hostServer) UpdateUser(ctx context.Context, ref base.Ref, u base.UserUpdate) error {
	release, err := s.p.enter(ref)
	if err != nil {
		return err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return err
	}
	return svc.UpdateUser(ctx, u)
}

func (s *hostServer) RemoveUser(ctx context.Context, ref base.Ref, uid int64) error {
	release, err := s.p.enter(ref)
	if err != nil {
		return err
	}
	defer release()
	svc, err := s.svc()
	if err != nil {
		return err
	}
	return svc.RemoveUser(ctx, uid)
}

func (s *hostServer) IdentifierToUID(ctx context.Context, ref base.Ref, identifier string) (int64, bool, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return 0, false, err
	}
	release()
	svc, err := s.svc()
	if err != nil {
		return 0, false, err
	}
	return svc.IdentifierToUID(ctx, identifier)
}

func (s *hostServer) Subscribe(ctx context.Context, ref base.Ref, req base.SubscribeRequest) (base.Subscription, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return nil, err
	}
	release()
	if _, err := s.svc(); err != nil {
		return nil, err
	}
	return s.p.h.subscribe(ctx, s.p, ref, req)
}
