package runner

import "testing"

func TestPythonRepr(t *testing.T) {
	tests := []struct{ got, want string }{
		{pyBytesRepr("sleep"), `b'sleep'`},
		{pyBytesRepr(`it's "q"`), `b'it\'s "q"'`},
		{pyBytesRepr(`it's`), `b"it's"`},
		{pyBytesRepr("\x00\xff\t\n\\"), `b'\x00\xff\t\n\\'`},
		{pyBytesRepr("é"), `b'\xc3\xa9'`},
		{pyStrRepr("é\u00a0\x01"), `'é\xa0\x01'`},
		{pyStrRepr("a'b"), `"a'b"`},
		{pyFloatRepr(1), "1.0"},
		{pyFloatRepr(1.5), "1.5"},
		{pyFloatRepr(1e16), "1e+16"},
		{pyFloatRepr(1e-5), "1e-05"},
		{pyFloatRepr(123456789.5), "123456789.5"},
		{pyRepr(map[string]any{"b": map[string]any{"filename": "x", "follow": true}, "a": "a.log"}), `{'a': 'a.log', 'b': {'filename': 'x', 'follow': True}}`},
		{pyRepr([]any{int64(1), nil, 2.5}), `[1, None, 2.5]`},
		{pyBytesListRepr([]string{"sh", "-c", "echo"}), `[b'sh', b'-c', b'echo']`},
		{shellQuote([]string{"echo", "", "a b", "it's", "x=1,y:2@%+./-_"}), `echo "" 'a b' 'it'"'"'s' x=1,y:2@%+./-_`},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%d: got %s, want %s", i, tc.got, tc.want)
		}
	}
}
