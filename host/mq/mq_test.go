package mq

import (
	"fmt"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		filter, key string
		want        bool
	}{
		{"builds.*.new", "builds.12.new", true},
		{"builds.*.new", "builds.12.finished", false},
		{"builds.*.new", "builds.12.steps.3.new", false},
		{"builds.#", "builds.12.steps.3.new", true},
		{"builds.#", "builds", true},
		{"#.new", "builds.12.new", true},
		{"#.new", "new", true},
		{"#.new", "builds.12.finished", false},
		{"builds.#.new", "builds.1.steps.2.new", true},
		{"builds.#.new", "changes.1.new", false},
		{"*.*.new", "changes.1.new", true},
		{"changes.1.new", "changes.1.new", true},
		{"changes.1", "changes.1.new", false},
		{"#", "anything.at.all", true},
	}
	for _, tt := range tests {
		if got := Match(ParseKey(tt.filter), ParseKey(tt.key)); got != tt.want {
			t.Errorf("Match(%s, %s) = %v, want %v", tt.filter, tt.key, got, tt.want)
		}
	}
}

func TestSimpleDeliversInOrderToMatchingConsumers(t *testing.T) {
	m := NewSimple()
	var got []string
	c1 := m.Consume(Key{"builds", "*", "new"}, func(k Key, b any) { got = append(got, "c1:"+k.String()) })
	m.Consume(Key{"#"}, func(k Key, b any) { got = append(got, "all:"+k.String()) })
	m.Produce(Key{"builds", "1", "new"}, nil)
	m.Produce(Key{"changes", "2", "new"}, nil)
	c1.Stop()
	c1.Stop()
	m.Produce(Key{"builds", "3", "new"}, nil)
	want := "[c1:builds.1.new all:builds.1.new all:changes.2.new all:builds.3.new]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestHandlerMayProduceAndStop(t *testing.T) {
	m := NewSimple()
	var n int
	var c Consumer
	c = m.Consume(Key{"a"}, func(k Key, b any) {
		n++
		c.Stop()
		m.Produce(Key{"a"}, nil) // re-entrant produce must not deadlock nor redeliver
	})
	m.Produce(Key{"a"}, nil)
	if n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func TestQueueOverflow(t *testing.T) {
	m := NewSimple()
	q := NewQueue(m, Key{"x", "*"}, 2)
	m.Produce(Key{"x", "1"}, 1)
	m.Produce(Key{"x", "2"}, 2)
	msgs, open := q.Drain()
	if len(msgs) != 2 || !open {
		t.Fatalf("drain = %d msgs open=%v", len(msgs), open)
	}
	for i := 0; i < 3; i++ {
		m.Produce(Key{"x", "3"}, 3)
	}
	_, open = q.Drain()
	if open || !q.Overflowed() {
		t.Fatalf("queue should have overflowed and closed")
	}
}
