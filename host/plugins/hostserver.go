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

// read checks that ref is a current instance of this process and returns the
// services, for a call that only reads.
func (s *hostServer) read(ref base.Ref) (HostServices, error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return nil, err
	}
	release()
	return s.svc()
}

// write is read for a call that changes the master: ref's instance stays
// current (a swap or a reconfig waits) until release is called, so a write
// from a generation that is being replaced cannot land after it.
func (s *hostServer) write(ref base.Ref) (HostServices, func(), error) {
	release, err := s.p.enter(ref)
	if err != nil {
		return nil, nil, err
	}
	svc, err := s.svc()
	if err != nil {
		release()
		return nil, nil, err
	}
	return svc, release, nil
}

func (s *hostServer) AddChange(ctx context.Context, ref base.Ref, ch base.Change, writes []base.StateWrite) (base.ChangeResult, error) {
	svc, release, err := s.write(ref)
	if err != nil {
		return base.ChangeResult{}, err
	}
	defer release()
	return svc.AddChange(ctx, ref, ch, writes)
}

func (s *hostServer) AddBuildset(ctx context.Context, ref base.Ref, spec base.BuildsetSpec, writes []base.StateWrite) (base.BuildsetResult, error) {
	svc, release, err := s.write(ref)
	if err != nil {
		return base.BuildsetResult{}, err
	}
	defer release()
	if spec.Scheduler == "" {
		spec.Scheduler = ref.Name
	}
	return svc.AddBuildset(ctx, ref, spec, writes)
}

func (s *hostServer) GetObjectID(ctx context.Context, ref base.Ref, name, className string) (int64, error) {
	svc, err := s.read(ref)
	if err != nil {
		return 0, err
	}
	return svc.GetObjectID(ctx, name, className)
}

func (s *hostServer) GetState(ctx context.Context, ref base.Ref, objectID int64, name string) (base.State, error) {
	svc, err := s.read(ref)
	if err != nil {
		return base.State{}, err
	}
	return svc.GetState(ctx, objectID, name)
}

func (s *hostServer) SetState(ctx context.Context, ref base.Ref, w base.StateWrite) (int64, error) {
	svc, release, err := s.write(ref)
	if err != nil {
		return 0, err
	}
	defer release()
	return svc.SetState(ctx, w)
}

func (s *hostServer) GetChange(ctx context.Context, ref base.Ref, id int64) (base.Change, bool, error) {
	svc, err := s.read(ref)
	if err != nil {
		return base.Change{}, false, err
	}
	return svc.GetChange(ctx, id)
}

func (s *hostServer) GetBuildset(ctx context.Context, ref base.Ref, bsid int64) (base.Buildset, bool, error) {
	svc, err := s.read(ref)
	if err != nil {
		return base.Buildset{}, false, err
	}
	return svc.GetBuildset(ctx, bsid)
}

func (s *hostServer) FindUserByAttr(ctx context.Context, ref base.Ref, identifier, attrType, attrData string) (int64, error) {
	svc, release, err := s.write(ref)
	if err != nil {
		return 0, err
	}
	defer release()
	return svc.FindUserByAttr(ctx, identifier, attrType, attrData)
}

func (s *hostServer) GetUser(ctx context.Context, ref base.Ref, uid int64) (base.User, bool, error) {
	svc, err := s.read(ref)
	if err != nil {
		return base.User{}, false, err
	}
	return svc.GetUser(ctx, uid)
}

func (s *hostServer) UpdateUser(ctx context.Context, ref base.Ref, u base.UserUpdate) error {
	svc, release, err := s.write(ref)
	if err != nil {
		return err
	}
	defer release()
	return svc.UpdateUser(ctx, u)
}

func (s *hostServer) RemoveUser(ctx context.Context, ref base.Ref, uid int64) error {
	svc, release, err := s.write(ref)
	if err != nil {
		return err
	}
	defer release()
	return svc.RemoveUser(ctx, uid)
}

func (s *hostServer) IdentifierToUID(ctx context.Context, ref base.Ref, identifier string) (int64, bool, error) {
	svc, err := s.read(ref)
	if err != nil {
		return 0, false, err
	}
	return svc.IdentifierToUID(ctx, identifier)
}

func (s *hostServer) Subscribe(ctx context.Context, ref base.Ref, req base.SubscribeRequest) (base.Subscription, error) {
	if _, err := s.read(ref); err != nil {
		return nil, err
	}
	return s.p.h.subscribe(ctx, s.p, ref, req)
}
