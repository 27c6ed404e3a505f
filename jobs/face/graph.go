package face

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// graph is a compiled TF.js graph model: constants plus the other nodes in
// topological order. It is immutable after loading, so one graph may run
// on several goroutines at once.
type graph struct {
	consts map[string]*tensor
	nodes  []*node
	inputs []string
	// owns[name] is true when that node allocates its own output buffer.
	owns map[string]bool
	// plan is nodes with chains of element-wise nodes folded into the
	// conv or matmul before them; absorbed names the values it skips.
	plan     []*node
	absorbed map[string]bool
	// arenas holds the free lists of finished runs (*[][]float32), so a
	// run reuses the activation buffers of the one before.
	arenas sync.Pool
}

// node is one operation; inputs name constants, placeholders or other nodes.
type node struct {
	name   string
	op     string
	inputs []string
	run    opFunc
	// release lists values whose last reader is this node.
	release []string
	def     nodeDef
}

// opFunc computes one node's output from its inputs, taking its output
// buffer from ar (which may be nil). When reuse is true, the first input
// is not read after this node and the op may overwrite it.
type opFunc func(ar *arena, in []*tensor, reuse bool) (*tensor, error)

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
		n := &node{name: d.Name, op: d.Op, def: d}
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
	if err := g.fuse(); err != nil {
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
	setRelease(g.nodes)
	g.owns = make(map[string]bool, len(g.nodes))
	for _, n := range g.nodes {
		g.owns[n.name] = n.op != "Identity" && n.op != "Reshape"
	}
	return nil
}

// setRelease records at each node the computed values it reads last.
func setRelease(nodes []*node) {
	computed := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		computed[n.name] = true
	}
	last := make(map[string]*node)
	for _, n := range nodes {
		n.release = nil
		for _, in := range n.inputs {
			if computed[in] {
				last[in] = n
			}
		}
	}
	for _, n := range nodes {
		for _, in := range n.inputs {
			if last[in] == n && !slices.Contains(n.release, in) {
				n.release = append(n.release, in)
			}
		}
	}
}

// link is one element-wise node folded into a conv or matmul epilogue.
type link struct {
	n *node
	// args maps the node's inputs to the fused node's: -1 for the value
	// flowing down the chain.
	args []int
}

// fuse builds the plan: each conv or matmul absorbs the chain of
// element-wise nodes that alone read its output (per-channel or scalar
// constant operands, a same-shape residual for Add), so that work happens
// while the output is still in cache.
func (g *graph) fuse() error {
	readers := make(map[string]int)
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			readers[in]++
		}
	}
	reader := make(map[string]*node)
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			reader[in] = n
		}
	}
	g.absorbed = make(map[string]bool)
	tail := make(map[string]*node) // last chain node name -> fused node
	for _, n := range g.nodes {
		if !isHeadOp(n.op) || g.absorbed[n.name] {
			continue
		}
		inputs := slices.Clone(n.inputs)
		var steps []epiStep
		var chain []link
		cur := n.name
		for readers[cur] == 1 {
			r := reader[cur]
			step, other, ok := g.foldable(r, cur)
			if !ok {
				break
			}
			l := link{n: r, args: make([]int, len(r.inputs))}
			for i, in := range r.inputs {
				if in == cur {
					l.args[i] = -1
				} else {
					l.args[i] = len(inputs)
					inputs = append(inputs, in)
				}
			}
			if other != "" {
				step.in = l.args[slices.Index(r.inputs, other)]
			}
			steps = append(steps, step)
			chain = append(chain, l)
			cur = r.name
		}
		if len(chain) == 0 {
			continue
		}
		fast, err := compileHead(n.def, steps)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.name, err)
		}
		g.absorbed[n.name] = true
		for _, l := range chain[:len(chain)-1] {
			g.absorbed[l.n.name] = true
		}
		tail[cur] = &node{name: cur, op: n.op, inputs: inputs, def: n.def, run: fusedRun(fast, n, chain)}
	}
	for _, n := range g.nodes {
		if g.absorbed[n.name] {
			continue
		}
		if f := tail[n.name]; f != nil {
			g.plan = append(g.plan, f)
			continue
		}
		c := *n
		g.plan = append(g.plan, &c)
	}
	setRelease(g.plan)
	return nil
}

// foldable reports whether node r, reading the value cur, can become an
// epilogue step, and names its other operand, if any.
func (g *graph) foldable(r *node, cur string) (epiStep, string, bool) {
	switch r.op {
	case "Relu":
		return epiStep{kind: stepRelu}, "", len(r.inputs) == 1
	case "Relu6":
		return epiStep{kind: stepRelu6}, "", len(r.inputs) == 1
	case "Add", "AddV2", "Mul", "Minimum", "Maximum":
	default:
		return epiStep{}, "", false
	}
	if len(r.inputs) != 2 {
		return epiStep{}, "", false
	}
	other := r.inputs[0]
	if other == cur {
		other = r.inputs[1]
	}
	if other == cur {
		return epiStep{}, "", false
	}
	if g.consts[other] == nil {
		if r.op == "Add" || r.op == "AddV2" {
			return epiStep{kind: stepResidual}, other, true
		}
		return epiStep{}, "", false
	}
	kind := map[string]int{"Add": stepAdd, "AddV2": stepAdd, "Mul": stepMul, "Minimum": stepMin, "Maximum": stepMax}[r.op]
	return epiStep{kind: kind}, other, true
}

// fusedRun runs a conv or matmul with its folded-in chain; when the
// operands do not fit the fused epilogue it runs the nodes one by one.
func fusedRun(fast opFunc, head *node, chain []link) opFunc {
	nh := len(head.inputs)
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		// The fused node's first input is its head's, which may overwrite it.
		if out, err := fast(ar, in, reuse); err != errUnfused {
			return out, err
		}
		t, err := head.run(ar, in[:nh], false)
		if err != nil {
			return nil, err
		}
		for _, l := range chain {
			args := make([]*tensor, len(l.args))
			for i, a := range l.args {
				if a < 0 {
					args[i] = t
				} else {
					args[i] = in[a]
				}
			}
			if t, err = l.n.run(ar, args, l.args[0] < 0); err != nil {
				return nil, fmt.Errorf("node %s (%s): %w", l.n.name, l.n.op, err)
			}
		}
		return t, nil
	}
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
	nodes := g.plan
	for _, o := range outputs {
		if g.absorbed[o] {
			nodes = g.nodes
		}
	}
	need := needed(nodes, outputs)
	ar := g.arena()
	vals := make(map[string]*tensor, len(feeds)+8)
	for k, v := range feeds {
		vals[k] = v
		ar.hold(v)
	}
	lookup := func(name string) *tensor {
		if t := vals[name]; t != nil {
			return t
		}
		return g.consts[name]
	}
	in := make([]*tensor, 0, 4)
	for _, n := range nodes {
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
		out, err := n.run(ar, in, g.reusable(n, in, vals, keep))
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.name, n.op, err)
		}
		vals[n.name] = out
		ar.hold(out)
		for _, name := range n.release {
			if !keep[name] {
				ar.drop(vals[name])
				delete(vals, name)
			}
		}
	}
	res := make([]*tensor, len(outputs))
	for i, name := range outputs {
		if res[i] = lookup(name); res[i] == nil {
			return nil, fmt.Errorf("output %s not computed", name)
		}
		ar.escape(res[i])
	}
	for _, v := range vals {
		ar.drop(v)
	}
	g.arenas.Put(&ar.free)
	return res, nil
}

// arena starts a run with the free buffers of an earlier one.
func (g *graph) arena() *arena {
	ar := &arena{refs: make(map[*float32]int), own: make(map[*float32]bool)}
	if p, ok := g.arenas.Get().(*[][]float32); ok {
		ar.free = *p
	}
	return ar
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
	return g.owns[name]
}

// needed marks the nodes that the outputs depend on.
func needed(nodes []*node, outputs []string) map[string]bool {
	need := make(map[string]bool)
	for _, o := range outputs {
		need[o] = true
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		if n := nodes[i]; need[n.name] {
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

// arena hands out the buffers of one run's values and takes each back
// once no live value uses it, so that a run allocates about its peak of
// live values rather than every node's output, and the next run (through
// graph.arenas) allocates nothing it had before.
type arena struct {
	free [][]float32
	// refs counts the live values that use each buffer (Identity and
	// Reshape share their input's); own marks those this arena handed
	// out, the only ones it may recycle.
	refs map[*float32]int
	own  map[*float32]bool
}

// alloc returns n floats, zeroed if zero is set, from the smallest free
// buffer that holds them and is at most four times their size; a nil
// arena allocates.
func (ar *arena) alloc(n int, zero bool) []float32 {
	if ar == nil || n == 0 {
		return make([]float32, n)
	}
	best := -1
	for i, b := range ar.free {
		if c := cap(b); c >= n && c <= 4*n && (best < 0 || c < cap(ar.free[best])) {
			best = i
		}
	}
	var b []float32
	if best >= 0 {
		b = ar.free[best][:n]
		ar.free[best] = ar.free[len(ar.free)-1]
		ar.free = ar.free[:len(ar.free)-1]
		if zero {
			clear(b)
		}
	} else {
		b = make([]float32, n)
	}
	ar.own[&b[0]] = true
	return b
}

// tensor returns a tensor of the given shape from alloc.
func (ar *arena) tensor(zero bool, shape ...int) *tensor {
	return &tensor{shape: shape, data: ar.alloc(numElements(shape), zero)}
}

func base(t *tensor) *float32 {
	if t == nil || len(t.data) == 0 {
		return nil
	}
	return &t.data[:1][0]
}

// hold records one more live value using t's buffer.
func (ar *arena) hold(t *tensor) {
	if p := base(t); p != nil {
		ar.refs[p]++
	}
}

// drop records that a value using t's buffer is gone, and frees the
// buffer when it was the last and the arena handed it out.
func (ar *arena) drop(t *tensor) {
	p := base(t)
	if p == nil {
		return
	}
	if ar.refs[p]--; ar.refs[p] > 0 {
		return
	}
	delete(ar.refs, p)
	if ar.own[p] {
		delete(ar.own, p)
		ar.free = append(ar.free, t.data[:cap(t.data)])
	}
}

// escape gives t's buffer to the caller: the arena never reuses it.
func (ar *arena) escape(t *tensor) {
	if p := base(t); p != nil {
		delete(ar.own, p)
	}
}
