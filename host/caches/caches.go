// Package caches owns the master's named LRU caches, after Buildbot's
// CacheManager (process/cache.py): each cache has a name (changes, builds,
// chdicts, buildrequests, ssdicts, objectids, usdicts, buildset_properties…)
// and a maximum size from the `caches` block, changed in place on reconfig.
package caches

import (
	"context"
	"sync"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultSize is the size of a cache the configuration does not mention
// (Buildbot's DEFAULT_CACHE_SIZE is 1; ours is larger because an entry costs
// little next to a database round trip).
const DefaultSize = 100

// resizer is what the Manager needs of a cache of any type.
type resizer interface{ resize(n int) }

// Manager is the `caches` service.
type Manager struct {
	mu     sync.Mutex
	sizes  map[string]int
	caches map[string]resizer
}

// NewManager returns a Manager with the configured sizes.
func NewManager(sizes map[string]int) *Manager {
	m := &Manager{sizes: map[string]int{}, caches: map[string]resizer{}}
	for k, v := range sizes {
		m.sizes[k] = v
	}
	return m
}

func (m *Manager) Name() string                { return "caches" }
func (m *Manager) Start(context.Context) error { return nil }
func (m *Manager) Stop(context.Context) error  { return nil }

// Size returns the configured size of the cache called name.
func (m *Manager) Size(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sizeLocked(name)
}

func (m *Manager) sizeLocked(name string) int {
	if n, ok := m.sizes[name]; ok && n > 0 {
		return n
	}
	return DefaultSize
}

// Reconfigure resizes every cache in place.
func (m *Manager) Reconfigure(_ context.Context, cfg *config.Config) (service.Commit, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sizes = map[string]int{}
	for k, v := range cfg.Caches.Sizes {
		m.sizes[k] = v
	}
	for name, c := range m.caches {
		c.resize(m.sizeLocked(name))
	}
	return service.NoCommit, nil
}

// Cache is one named LRU cache.
type Cache[K comparable, V any] struct {
	c *lru.Cache[K, V]
}

func (c *Cache[K, V]) resize(n int) { c.c.Resize(n) }

// Get returns the cached value for k.
func (c *Cache[K, V]) Get(k K) (V, bool) { return c.c.Get(k) }

// Put stores v under k, evicting the least recently used entry when full.
func (c *Cache[K, V]) Put(k K, v V) { c.c.Add(k, v) }

// Remove drops k.
func (c *Cache[K, V]) Remove(k K) { c.c.Remove(k) }

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int { return c.c.Len() }

// Get returns the manager's cache called name, creating it on first use.
// Asking twice for the same name with different types is a programming error
// and panics.
func Get[K comparable, V any](m *Manager, name string) *Cache[K, V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.caches[name]; ok {
		return c.(*Cache[K, V])
	}
	l, _ := lru.New[K, V](m.sizeLocked(name)) // size is always > 0
	c := &Cache[K, V]{c: l}
	m.caches[name] = c
	return c
}

var _ service.Reconfigurable[*config.Config] = (*Manager)(nil)
