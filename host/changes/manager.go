// Package changes owns the ChangeManager (service "change_svc", Buildbot's
// changes/manager.py): it runs the configured change sources, each an
// instance of a plugin (host/plugins), claimed so that exactly one master
// runs it, and reconfigures them as a diff — unchanged blocks untouched,
// changed ones reconfigured in place, a changed plugin binary swapped by
// the plugin Host. Changes themselves reach the database through the
// plugins' Host service.
package changes

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
)

// ServiceName is the ChangeManager's name in the service tree.
const ServiceName = "change_svc"

// ChangeManager runs the change source instances.
type ChangeManager struct {
	*service.NamedManager[*config.Config, plugins.InstanceConfig]
}

var _ service.Reconfigurable[*config.Config] = (*ChangeManager)(nil)

// New returns a stopped ChangeManager running change sources on h.
func New(h *plugins.Host) *ChangeManager {
	return &ChangeManager{NamedManager: service.NewNamedManager(service.ManagerOptions[*config.Config, plugins.InstanceConfig]{
		Name:  ServiceName,
		New:   h.NewService,
		Equal: plugins.InstanceConfig.Equal,
		Select: func(cfg *config.Config) []service.Item[plugins.InstanceConfig] {
			return h.Items(cfg, config.TypeChangeSource)
		},
	})}
}

// ErrUnknownChangeSource is returned for a name no change source has.
var ErrUnknownChangeSource = errors.New("no such change source")

// ChangeSource returns the instance service of the change source name.
func (m *ChangeManager) ChangeSource(name string) (*plugins.InstanceService, bool) {
	s, ok := m.Get(name).(*plugins.InstanceService)
	return s, ok && s != nil
}

// Poll asks the named change sources (all when names is empty) to poll now,
// as Buildbot's `poller` change hook does. Change sources that do not poll
// or that another master runs are skipped; an unknown name is an error
// (wrapping ErrUnknownChangeSource).
func (m *ChangeManager) Poll(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		names = m.Names()
	} else {
		for _, n := range names {
			if _, ok := m.ChangeSource(n); !ok {
				return fmt.Errorf("poll %q: %w", n, ErrUnknownChangeSource)
			}
		}
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		s, ok := m.ChangeSource(n)
		if !ok || !s.Active() {
			continue
		}
		if ci, ok := s.Instance().Component(); ok && !ci.Has("poll") {
			continue
		}
		cs, err := s.Instance().ChangeSource()
		if err == nil {
			err = cs.Poll(ctx)
		}
		if err != nil && !errors.Is(err, base.ErrUnsupported) {
			errs = append(errs, fmt.Errorf("poll %q: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
