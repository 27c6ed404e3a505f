package face

import (
	"fmt"
	"slices"
	"strings"
)

// graph is a compiled TF.js graph model: constants plus the other nodes in
// topological order. It is immutable after loading, so one graph may run
// on several goroutines at once.
type graph struct {
	consts map[string]*tensor
	nodes  []*node
	inputs []string
	// owns[i] is true when nodes[i] allocates its own output buffer.
	owns []bool
}

// node is one operation; inputs name constants, placeholders or other nodes.
type node struct {
	name   string
	op     string
	inputs []string
	run    opFunc
	// release lists values whose last reader is this node.
	release []string
}

// opFunc computes one node's output from its inputs. When reuse is true,
// the first input is not read after this node and the op may overwrite it.
type opFunc func(in []*tensor, reuse bool) (*tensor, error)

func newGraph(defs []nodeDef, weights map[string]*tensor) (*graph, error) {
	g := &graph{consts: make(map[string]*tensor)}
	byName := make(map[string]*node)
	var order []string
	for _, d := range defs {
		switch d.Op {
		case "Const":
			w, ok := weights[d.Name]
			if !ok {
				return nil, fmt.Errorf("constant %s has no weight", d.Name)
			}
			g.consts[d.Name] = w
			continue
		case "Placeholder":
			g.inputs = append(g.inputs, d.Name)
			continue
		}
		n := &node{name: d.Name, op: d.Op}
		for _, in := range d.Input {
			if strings.HasPrefix(in, "^") {
				continue // control dependency
			}
			name, idx, _ := strings.Cut(in, ":")
			if idx != "" && idx != "0" {
				return nil, fmt.Errorf("node %s: multi-output input %s is not supported", d.Name, in)
			}
			n.inputs = append(n.inputs, name)
		}
		run, err := compileOp(d, g.consts)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", d.Name, err)
		}
		n.run = run
		byName[d.Name] = n
		order = append(order, d.Name)
	}
	if err := g.sort(byName, order); err != nil {
		return nil, err
	}
	return g, nil
}

// sort orders the nodes so each runs after its inputs and records when
// intermediate values can be dropped.
func (g *graph) sort(byName map[string]*node, order []string) error {
	known := make(map[string]bool)
	for name := range g.consts {
		known[name] = true
	}
	for _, name := range g.inputs {
		known[name] = true
	}
	state := make(map[string]int) // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		if known[name] || state[name] == 2 {
			return nil
		}
		n, ok := byName[name]
		if !ok {
			return fmt.Errorf("unknown node %s", name)
		}
		if state[name] == 1 {
			return fmt.Errorf("cycle at node %s", name)
		}
		state[name] = 1
		for _, in := range n.inputs {
			if err := visit(in); err != nil {
				return err
			}
		}
		state[name] = 2
		g.nodes = append(g.nodes, n)
		return nil
	}
	for _, name := range order {
		if err := visit(name); err != nil {
			return err
		}
	}
	last := make(map[string]*node)
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			if _, ok := byName[in]; ok {
				last[in] = n
			}
		}
	}
	for name, n := range last {
		n.release = append(n.release, name)
	}
	g.owns = make([]bool, len(g.nodes))
	for i, n := range g.nodes {
		g.owns[i] = n.op != "Identity" && n.op != "Reshape"
	}
	return nil
}

// run feeds the placeholders and returns the named outputs.
func (g *graph) run(feeds map[string]*tensor, outputs ...string) ([]*tensor, error) {
	for _, name := range g.inputs {
		if feeds[name] == nil {
			return nil, fmt.Errorf("missing input %s", name)
		}
	}
	keep := make(map[string]bool, len(outputs))
	for _, o := range outputs {
		keep[o] = true
	}
	need := g.needed(outputs)
	vals := make(map[string]*tensor, len(feeds)+8)
	for k, v := range feeds {
		vals[k] = v
	}
	lookup := func(name string) *tensor {
		if t := vals[name]; t != nil {
			return t
		}
		return g.consts[name]
	}
	in := make([]*tensor, 0, 4)
	for _, n := range g.nodes {
		if !need[n.name] {
			continue
		}
		in = in[:0]
		for _, name := range n.inputs {
			t := lookup(name)
			if t == nil {
				return nil, fmt.Errorf("node %s: input %s not computed", n.name, name)
			}
			in = append(in, t)
		}
		out, err := n.run(in, g.reusable(n, in, vals, keep))
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.name, n.op, err)
		}
		vals[n.name] = out
		for _, name := range n.release {
			if !keep[name] {
				delete(vals, name)
			}
		}
	}
	res := make([]*tensor, len(outputs))
	for i, name := range outputs {
		if res[i] = lookup(name); res[i] == nil {
			return nil, fmt.Errorf("output %s not computed", name)
		}
	}
	return res, nil
}

// reusable reports whether node n may overwrite its first input: an
// intermediate value that n reads last, that no other input shares and
// whose buffer its producer owns (Identity and Reshape share buffers).
func (g *graph) reusable(n *node, in []*tensor, vals map[string]*tensor, keep map[string]bool) bool {
	name := n.inputs[0]
	if keep[name] || vals[name] == nil || !slices.Contains(n.release, name) {
		return false
	}
	for _, t := range in[1:] {
		if t == in[0] || (len(t.data) > 0 && len(in[0].data) > 0 && &t.data[0] == &in[0].data[0]) {
			return false
		}
	}
	i := slices.IndexFunc(g.nodes, func(p *node) bool { return p.name == name })
	return i >= 0 && g.owns[i]
}

// needed marks the nodes that the outputs depend on.
func (g *graph) needed(outputs []string) map[string]bool {
	need := make(map[string]bool)
	for _, o := range outputs {
		need[o] = true
	}
	for i := len(g.nodes) - 1; i >= 0; i-- {
		if n := g.nodes[i]; need[n.name] {
			for _, in := range n.inputs {
				need[in] = true
			}
		}
	}
	return need
}

// source follows name back through Identity and Reshape nodes to the node
// that computes its values.
func (g *graph) source(name string) string {
	for {
		i := slices.IndexFunc(g.nodes, func(n *node) bool { return n.name == name })
		if i < 0 || (g.nodes[i].op != "Identity" && g.nodes[i].op != "Reshape") {
			return name
		}
		name = g.nodes[i].inputs[0]
	}
}

// outputs lists the nodes no other node reads, in execution order.
func (g *graph) outputs() []string {
	read := make(map[string]bool)
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			read[in] = true
		}
	}
	var out []string
	for _, n := range g.nodes {
		if !read[n.name] {
			out = append(out, n.name)
		}
	}
	return out
}

// input names the graph's single placeholder.
func (g *graph) input() (string, error) {
	if len(g.inputs) != 1 {
		return "", fmt.Errorf("graph has %d inputs, want 1", len(g.inputs))
	}
	return g.inputs[0], nil
}
