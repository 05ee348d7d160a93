// Package users owns the UserManagerManager (service "user_manager",
// Buildbot's process/users/manager.py): it runs the configured user
// managers, each an instance of a plugin (host/plugins) that maintains the
// users through the plugins' Host service.
package users

import (
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/service"
)

// ServiceName is the UserManagerManager's name in the service tree.
const ServiceName = "user_manager"

// UserManagerManager runs the user manager instances.
type UserManagerManager struct {
	*service.NamedManager[*config.Config, plugins.InstanceConfig]
}

var _ service.Reconfigurable[*config.Config] = (*UserManagerManager)(nil)

// New returns a stopped UserManagerManager running user managers on h.
func New(h *plugins.Host) *UserManagerManager {
	return &UserManagerManager{NamedManager: service.NewNamedManager(service.ManagerOptions[*config.Config, plugins.InstanceConfig]{
		Name:  ServiceName,
		New:   h.NewService,
		Equal: plugins.InstanceConfig.Equal,
		Select: func(cfg *config.Config) []service.Item[plugins.InstanceConfig] {
			return h.Items(cfg, config.TypeUserManager)
		},
	})}
}

// UserManager returns the instance service of the user manager name.
func (m *UserManagerManager) UserManager(name string) (*plugins.InstanceService, bool) {
	s, ok := m.Get(name).(*plugins.InstanceService)
	return s, ok && s != nil
}
