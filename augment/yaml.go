package augment

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseYAML compiles a policy written in YAML: a list whose items are a
// transform name ("hflip"), a text-form item ("rotate deg=15"), or a
// one-key mapping from a name to its parameters; composites take their
// transforms as a list, or as a mapping with "p" and "ops":
//
//   - hflip: {p: 0.5}
//   - rotate: {deg: 15}
//   - rcrop: {size: 224, scale: [0.8, 1]}
//   - oneof: [vflip, {rot90: {k: 1-3}}]
//   - apply: {p: 0.3, ops: [gray, {blur: {k: 5}}]}
//   - normalize
//
// A mapping with a single "ops" (or "policy") key holding that list is
// accepted too. Parameters mean exactly what they mean in [Parse].
func ParseYAML(data []byte) (*Policy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: yaml: %v", ErrPolicy, err)
	}
	n := &root
	if n.Kind == 0 {
		return &Policy{}, nil // empty document
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return &Policy{}, nil
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && (n.Content[0].Value == "ops" || n.Content[0].Value == "policy") {
		n = n.Content[1]
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return &Policy{}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, policyErr("yaml line %d: want a list of transforms", n.Line)
	}
	items := 0
	specs, err := yamlList(n, 0, &items)
	if err != nil {
		return nil, err
	}
	return compile(specs)
}

func yamlList(n *yaml.Node, depth int, items *int) ([]spec, error) {
	if depth > maxDepth {
		return nil, policyErr("nesting deeper than %d", maxDepth)
	}
	var out []spec
	for _, it := range n.Content {
		*items++
		if *items > maxItems {
			return nil, policyErr("more than %d transforms", maxItems)
		}
		sp, err := yamlItem(it, depth, items)
		if err != nil {
			return nil, err
		}
		out = append(out, sp...)
	}
	return out, nil
}

func yamlItem(it *yaml.Node, depth int, items *int) ([]spec, error) {
	switch it.Kind {
	case yaml.ScalarNode:
		// A name, or one or more items in text form.
		toks, err := lex(it.Value)
		if err != nil {
			return nil, err
		}
		p := &parser{toks: toks}
		sp, err := p.list(depth)
		if err == nil && p.i < len(p.toks) {
			err = policyErr("unexpected %q", p.toks[p.i])
		}
		if err != nil {
			return nil, fmt.Errorf("yaml line %d: %w", it.Line, err)
		}
		return sp, nil
	case yaml.MappingNode:
		if len(it.Content) != 2 {
			return nil, policyErr("yaml line %d: want one transform per list item (a one-key mapping)", it.Line)
		}
		sp := spec{name: it.Content[0].Value}
		v := it.Content[1]
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag != "!!null" {
				return nil, policyErr("yaml line %d: %s: want a mapping of parameters, got %q", v.Line, sp.name, v.Value)
			}
		case yaml.SequenceNode:
			kids, err := yamlList(v, depth+1, items)
			if err != nil {
				return nil, err
			}
			sp.children, sp.nested = kids, true
		case yaml.MappingNode:
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, val := v.Content[i].Value, v.Content[i+1]
				if k == "ops" {
					if val.Kind != yaml.SequenceNode {
						return nil, policyErr("yaml line %d: %s: ops must be a list", val.Line, sp.name)
					}
					kids, err := yamlList(val, depth+1, items)
					if err != nil {
						return nil, err
					}
					sp.children, sp.nested = kids, true
					continue
				}
				s, err := yamlScalar(val)
				if err != nil {
					return nil, policyErr("yaml line %d: %s: parameter %s: %v", val.Line, sp.name, k, err)
				}
				sp.args = append(sp.args, kv{k, s})
			}
		default:
			return nil, policyErr("yaml line %d: %s: unsupported value", v.Line, sp.name)
		}
		return []spec{sp}, nil
	}
	return nil, policyErr("yaml line %d: want a transform name or a one-key mapping", it.Line)
}

// yamlScalar renders a parameter value as its text form: scalars as they
// are, lists of scalars joined by commas ([0.8, 1] is the range 0.8-1).
func yamlScalar(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("want a list of numbers")
			}
			parts[i] = c.Value
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("want a number, a word or a list of numbers")
}
