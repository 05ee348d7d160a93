package caches

import (
	"context"
	"testing"

	"github.com/bbhost/bbhost/host/config"
)

func TestCacheSizesAndResize(t *testing.T) {
	m := NewManager(map[string]int{"builds": 2})
	c := Get[int, string](m, "builds")
	c.Put(1, "a")
	c.Put(2, "b")
	c.Put(3, "c")
	if _, ok := c.Get(1); ok {
		t.Error("oldest entry not evicted at size 2")
	}
	if Get[int, string](m, "builds") != c {
		t.Error("same name gave a different cache")
	}
	if got := Get[int, int](m, "other"); got == nil || m.Size("other") != DefaultSize {
		t.Errorf("default size = %d", m.Size("other"))
	}
	commit, err := m.Reconfigure(context.Background(), &config.Config{Caches: config.Caches{Sizes: map[string]int{"builds": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	commit(context.Background())
	if c.Len() != 1 {
		t.Errorf("len after shrinking to 1 = %d", c.Len())
	}
}
