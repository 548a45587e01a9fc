package augment

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"hflip", "hflip p=0.5"},
		{"hflip p=1", "hflip p=1"},
		{"hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1",
			"hflip p=0.5; rotate deg=-15-15; rcrop size=224 scale=0.8-1; jitter b=0.6-1.4 c=0.6-1.4 s=0.6-1.4 h=-0.1-0.1"},
		{"rotate deg=-10-30 mode=reflect interp=nearest", "rotate deg=-10-30 interp=nearest mode=reflect"},
		{"rotate deg=5 fill=1,2,3", "rotate deg=-5-5 fill=1,2,3"},
		{"vflip p=0.25\nrot90 k=0-3 # random quarter turns\n", "vflip p=0.25; rot90 k=0-3"},
		{"rot180; rot270 p=0.3", "rot90 k=2; rot90 p=0.3 k=3"},
		{"crop size=32 pad=4 mode=edge", "crop size=32 pad=4 mode=edge"},
		{"ccrop size=10x20", "ccrop size=10x20"},
		{"resize size=128 interp=bicubic", "resize size=128 interp=catmullrom"},
		{"resize size=64x32", "resize size=64x32"},
		{"pad px=4 r=0 mode=reflect", "pad l=4 t=4 r=0 b=4 mode=reflect"},
		{"affine deg=10 translate=0.1 scale=0.9-1.1 shear=5", "affine deg=-10-10 translate=0.1,0.1 scale=0.9-1.1 shear=-5-5"},
		{"jitter b=0.5-1.5 h=0.1-0.2", "jitter b=0.5-1.5 h=0.1-0.2"},
		{"gray p=0.1; gamma g=0.8-1.2; invert p=0.2; equalize", "gray p=0.1; gamma g=0.8-1.2; invert p=0.2; equalize"},
		{"blur k=5; noise std=0.01-0.05; erase", "blur k=5 sigma=0.1-2; noise std=0.01-0.05; erase p=0.5"},
		{"erase p=1 value=random scale=0.1-0.2", "erase p=1 scale=0.1-0.2 value=random"},
		{"oneof [hflip p=1; vflip p=1]", "oneof [hflip p=1; vflip p=1]"},
		{"apply p=0.3 [gray; blur k=3]", "apply p=0.3 [gray; blur k=3 sigma=0.1-2]"},
		{"order [invert; gray]; compose [equalize]", "order [invert; gray]; compose [equalize]"},
		{"oneof p=0.5 [invert; gray]", "apply p=0.5 [oneof [invert; gray]]"},
		{"totensor", "totensor"},
		{"hflip; normalize", "hflip p=0.5; normalize mean=0.485,0.456,0.406 std=0.229,0.224,0.225"},
		{"normalize mean=0.5 std=0.25", "normalize mean=0.5,0.5,0.5 std=0.25,0.25,0.25"},
		{"totensor; normalize mean=0.1,0.2,0.3", "normalize mean=0.1,0.2,0.3 std=0.229,0.224,0.225"},
		{"jitter b=0 c=0", "jitter"},
		{"rotate deg=1e-3", "rotate deg=-0.001-0.001"},
	} {
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("Parse(%q).String() =\n  %q, want\n  %q", tc.in, got, tc.want)
		}
		// The canonical form parses back to itself.
		p2, err := Parse(p.String())
		if err != nil || p2.String() != p.String() {
			t.Errorf("round trip of %q: %v, %v", p.String(), p2, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hflp", `unknown transform "hflp" (known: affine, apply,`},
		{"rotate", `rotate: parameter deg="": required`},
		{"rotate deg=abc", `rotate: parameter deg="abc": want a number or a range`},
		{"rotate deg=15 foo=1", `rotate: unknown parameter "foo" (allowed: deg, fill, interp, mode, p)`},
		{"rotate deg=15 mode=wrap", `want constant, edge or reflect`},
		{"hflip p=1.5", `hflip: parameter p="1.5": want a probability in 0..1`},
		{"hflip p=-0.1", `want a probability`},
		{"rcrop scale=0.5-1", `rcrop: parameter size="": required`},
		{"rcrop size=0", `want N or HxW with sides in 1..16384`},
		{"rcrop size=224 scale=1-0.5", `want a range with low <= high`},
		{"rcrop size=224 scale=0.5-2", `want area fractions in (0, 1]`},
		{"resize size=9x9x9", `want N or HxW`},
		{"resize size=100 interp=cubic", `want bilinear, nearest, catmullrom (bicubic) or lanczos`},
		{"blur", `blur: parameter k="": required`},
		{"blur k=4", `want an odd kernel size`},
		{"jitter h=0.7", `want a hue shift within -0.5..0.5`},
		{"jitter b=-1", `want a non-negative strength`},
		{"rotate deg=15 deg=20", `given twice`},
		{"pad px=-1", `want a whole number in 0..4096`},
		{"rotate deg=5 fill=300", `values in 0..255`},
		{"oneof", `oneof needs a [...] block`},
		{"hflip [vflip]", `hflip takes no [...] block`},
		{"oneof [hflip", `missing "]"`},
		{"hflip]", `unexpected "]"`},
		{"[hflip]", `"[" must follow a composite name`},
		{"p=0.5", `expected a transform name before parameters`},
		{"hflip vflip", `hflip: unexpected "vflip"`},
		{"normalize; hflip", `image transforms must come before totensor/normalize`},
		{"oneof [normalize]", `normalize must come last`},
		{"normalize; normalize", `already converts to a tensor`},
		{"normalize std=0,1,1", `want values > 0`},
		{"normalize mean=1,2", `want 1 or 3 numbers`},
		{"affine shear=89", `below 89 degrees`},
		{"rot90 k=1.5", `whole numbers`},
		{strings.Repeat("apply [", 20) + "hflip" + strings.Repeat("]", 20), `nesting deeper than`},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if !errors.Is(err, ErrPolicy) {
			t.Errorf("Parse(%q): error %v does not wrap ErrPolicy", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q):\n  %v\nwant it to contain\n  %s", tc.in, err, tc.want)
		}
	}
}

func TestParseYAML(t *testing.T) {
	for _, tc := range []struct{ yaml, text string }{
		{`
- hflip: {p: 0.5}
- rotate: {deg: 15}
- rcrop: {size: 224, scale: [0.8, 1]}
- jitter: {b: 0.4, c: 0.4, s: 0.4, h: 0.1}
`, "hflip p=0.5; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1"},
		{`
ops:
  - vflip
  - "rotate deg=10 mode=edge"
  - oneof: [invert, {blur: {k: 5}}]
  - apply:
      p: 0.3
      ops: [gray, equalize]
  - normalize: {mean: [0.5, 0.5, 0.5]}
`, "vflip; rotate deg=10 mode=edge; oneof [invert; blur k=5]; apply p=0.3 [gray; equalize]; normalize mean=0.5,0.5,0.5"},
		{``, ``},
		{`[]`, ``},
	} {
		py, err := ParseYAML([]byte(tc.yaml))
		if err != nil {
			t.Errorf("ParseYAML(%q): %v", tc.yaml, err)
			continue
		}
		pt, err := Parse(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if py.String() != pt.String() {
			t.Errorf("YAML gives %q, text gives %q", py.String(), pt.String())
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{`- rotatee: {deg: 1}`, `unknown transform "rotatee"`},
		{`- rotate: {deg: [1, 2, 3]}`, `rotate: parameter deg="1,2,3"`},
		{`- rotate: 15`, `want a mapping of parameters`},
		{`- {hflip: {}, vflip: {}}`, `one transform per list item`},
		{`hflip: {}`, `want a list of transforms`},
		{`- [`, `yaml`},
		{`- apply: {p: 0.3, ops: gray}`, `ops must be a list`},
	} {
		_, err := ParseYAML([]byte(tc.yaml))
		if err == nil || !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseYAML(%q) = %v, want an ErrPolicy containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestHelpListsEveryTransform(t *testing.T) {
	h := Help()
	for name := range defs {
		if !strings.Contains(h, name+" ") {
			t.Errorf("Help does not list %s", name)
		}
	}
}
