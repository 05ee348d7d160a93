//go:build cgo

package db

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
static void bbhost_trim(void) { malloc_trim(0); }
#else
static void bbhost_trim(void) {}
#endif
*/
import "C"

// trimCHeap asks glibc's allocator to return the free memory of all its
// arenas to the system (malloc_trim); SQLite allocates through it. Other C
// libraries have no such call: a no-op there.
func trimCHeap() { C.bbhost_trim() }
