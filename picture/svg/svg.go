// Package svg renders DOT to SVG in pure Go, with no system Graphviz: it
// runs Graphviz itself, compiled to WebAssembly, through
// github.com/goccy/go-graphviz (on the wazero runtime, with or without cgo).
// It is a package of its own so that picture, which writes the DOT, keeps
// none of those dependencies.
package svg

import (
	"bytes"
	"context"
	"fmt"

	"github.com/goccy/go-graphviz"
)

// Render lays out the DOT graph with Graphviz's dot engine and returns the
// SVG. The same graph gives the same bytes.
func Render(ctx context.Context, dot []byte) ([]byte, error) {
	g, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("svg: starting graphviz: %w", err)
	}
	defer g.Close()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("svg: reading the DOT: %w", err)
	}
	defer graph.Close()
	var buf bytes.Buffer
	if err := g.Render(ctx, graph, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("svg: rendering: %w", err)
	}
	return buf.Bytes(), nil
}
