package expect

import (
	"bytes"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Update returns the file with every failing case's expectation replaced
// by what the stack did (Check's results, in the file's order): expect
// becomes the action by name (ERRNO(EPERM)), or the exact value where the
// case gave one; the outcome fields the case checks take the values seen;
// a case without expect gets one. Passing cases, the order of the cases
// and the comments stay as they are. A file written in JSON's flow style
// is refused: its rewrite would not be the JSON it was.
func Update(f *File, results []Result) ([]byte, error) {
	if f.doc == nil || len(f.doc.Content) == 0 {
		return nil, fmt.Errorf("%s: nothing to update", f.Name)
	}
	if f.doc.Content[0].Style&yaml.FlowStyle != 0 {
		return nil, fmt.Errorf("%s: --update rewrites YAML in block style; this file is in flow style (JSON)", f.Name)
	}
	for i := range results {
		r := &results[i]
		if r.Pass {
			continue
		}
		c := r.Case
		text := gotText(c.Call.Arch, r.Got.Ret)
		if c.Want.Exact {
			text = fmt.Sprintf("0x%08x", r.Got.Ret)
		}
		if v := field(c.node, "expect"); v != nil {
			if !c.Want.Match(r.Got.Ret) {
				v.Value, v.Tag, v.Style = text, "!!str", 0
			}
		} else {
			c.node.Content = append(c.node.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "expect"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text})
		}
		if o := field(c.node, "outcome"); o != nil && c.Outcome != nil {
			got := r.Got.Outcome
			for j := 0; j+1 < len(o.Content); j += 2 {
				v := o.Content[j+1]
				switch o.Content[j].Value {
				case "runs":
					setScalar(v, "!!bool", strconv.FormatBool(got.Runs))
				case "returned":
					setScalar(v, "!!bool", strconv.FormatBool(got.Returned))
				case "return":
					setScalar(v, "!!int", strconv.FormatInt(got.Return, 10))
				case "killed":
					k := got.Killed
					if k == "" {
						k = "none"
					}
					setScalar(v, "!!str", k)
				case "signal":
					setScalar(v, "!!int", strconv.Itoa(got.Signal))
				case "core_dump":
					setScalar(v, "!!bool", strconv.FormatBool(got.CoreDump))
				case "logged":
					setScalar(v, "!!bool", strconv.FormatBool(got.Logged))
				}
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f.doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func setScalar(n *yaml.Node, tag, value string) {
	n.Tag, n.Value, n.Style = tag, value, 0
}

func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
