package picture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// The table as decision.Table.WriteJSON writes it (README, "Decision
// tables"): the page shows what the JSON says, names included.
type jsonTable struct {
	Policy []string `json:"policy"`
	Kernel struct {
		Version string `json:"version"`
		Source  string `json:"source"`
	} `json:"kernel"`
	Sections []struct {
		Name      string      `json:"name"`
		Audit     uint32      `json:"audit"`
		Arches    [][2]uint32 `json:"arches"`
		BigEndian bool        `json:"big_endian"`
		Rows      []jsonRow   `json:"rows"`
	} `json:"sections"`
}

type jsonRow struct {
	Nr       [2]int32 `json:"nr"`
	Region   string   `json:"region"`
	Syscalls []string `json:"syscalls"`
	Unnamed  uint64   `json:"unnamed"`
	Ret      *uint32  `json:"ret"`
	Action   string   `json:"action"`
	Errno    string   `json:"errno"`
	Cases    []struct {
		Otherwise bool   `json:"otherwise"`
		Text      string `json:"text"`
		Ret       uint32 `json:"ret"`
		Action    string `json:"action"`
		Errno     string `json:"errno"`
	} `json:"cases"`
	Residual *struct {
		Reason  string `json:"reason"`
		Filters []struct {
			Ret *uint32 `json:"ret"`
			Asm string  `json:"asm"`
		} `json:"filters"`
	} `json:"residual"`
	Cached bool `json:"cached"`
	Bypass bool `json:"bypass"`
}

// nrText writes a number as the text table does: decimal up to 99999,
// else hex.
func nrText(v uint32) string {
	if v <= 99999 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

// actionKinds is the order of the action filter's choices, the kernel's
// precedence.
var actionKinds = []string{"KILL_PROCESS", "KILL_THREAD", "TRAP", "ERRNO", "USER_NOTIF", "TRACE", "LOG", "ALLOW", "UNKNOWN"}

// chip writes an action as a coloured label.
func chip(ret uint32, action, errno string) string {
	fill, border := Colour(ret)
	t := action
	if errno != "" {
		t += " " + errno
	}
	return fmt.Sprintf(`<span class="act" style="background:%s;border-color:%s">%s</span>`, fill, border, html.EscapeString(t))
}

// WriteHTML writes one self-contained page: the decision table t, filterable
// by syscall (name or number) and by action with a little inline script,
// and the SVG picture, inline. It loads nothing from elsewhere.
func WriteHTML(w io.Writer, title string, t *decision.Table, svg []byte) error {
	var buf bytes.Buffer
	if err := t.WriteJSON(&buf); err != nil {
		return err
	}
	var jt jsonTable
	if err := json.Unmarshal(buf.Bytes(), &jt); err != nil {
		return fmt.Errorf("picture: reading the table's JSON: %w", err)
	}
	kinds := map[string]bool{}
	b := bufio.NewWriter(w)
	esc := html.EscapeString
	var body strings.Builder
	rows := 0
	for _, s := range jt.Sections {
		head := s.Name
		if s.Audit != 0 {
			head += fmt.Sprintf(" (AUDIT_ARCH %#08x)", s.Audit)
			if s.Audit == seccompdata.AuditArchX86_64 {
				head += ", x32 numbers included"
			}
		}
		fmt.Fprintf(&body, "<section class=\"arch\">\n<h3>%s</h3>\n<table>\n<thead><tr><th>nr</th><th>syscalls</th><th>answer</th><th>kernel</th></tr></thead>\n<tbody>\n", esc(head))
		for _, r := range s.Rows {
			rows++
			lo, hi := uint32(r.Nr[0]), uint32(r.Nr[1])
			nr := nrText(lo)
			if lo != hi {
				nr += "-" + nrText(hi)
			}
			names := strings.Join(r.Syscalls, ", ")
			switch {
			case r.Region == "x32":
				names = "x32: " + names
			case r.Region != "table" && r.Region != "":
				names = "(" + r.Region + ")"
			}
			if r.Unnamed > 0 && (r.Region == "table" || r.Region == "x32") {
				names += fmt.Sprintf(" (+%d unassigned)", r.Unnamed)
			}
			var answer strings.Builder
			acts := map[string]bool{}
			switch {
			case r.Residual != nil:
				fmt.Fprintf(&answer, "<div>decided by residual programs (%s)</div>", esc(r.Residual.Reason))
				for i, f := range r.Residual.Filters {
					if f.Ret != nil {
						fmt.Fprintf(&answer, "<div>filter %d returns %s</div>", i, chip(*f.Ret, seccompdata.Action(*f.Ret).String(), ""))
						acts[seccompdata.Action(*f.Ret).Name()] = true
						continue
					}
					fmt.Fprintf(&answer, "<div>filter %d:</div><pre>%s</pre>", i, esc(f.Asm))
				}
			case r.Cases != nil:
				answer.WriteString("<table class=\"cases\">")
				for _, c := range r.Cases {
					cond := c.Text
					if c.Otherwise {
						cond = "otherwise"
					}
					fmt.Fprintf(&answer, "<tr><td><code>%s</code></td><td>%s</td></tr>", esc(cond), chip(c.Ret, c.Action, c.Errno))
					acts[seccompdata.Action(c.Ret).Name()] = true
				}
				answer.WriteString("</table>")
			case r.Ret != nil:
				answer.WriteString(chip(*r.Ret, r.Action, r.Errno))
				acts[seccompdata.Action(*r.Ret).Name()] = true
			}
			var tags []string
			if r.Cached && !r.Bypass {
				tags = append(tags, "cached")
			}
			if r.Bypass {
				tags = append(tags, "bypass: runs without asking the filters")
			}
			var actList []string
			for _, k := range actionKinds {
				if acts[k] {
					actList = append(actList, k)
					kinds[k] = true
				}
			}
			// data-names: the names and both ends of the range, for the
			// syscall filter; data-acts: the action kinds of the row.
			fmt.Fprintf(&body, "<tr data-names=\"%s\" data-lo=\"%d\" data-hi=\"%d\" data-acts=\"%s\"><td class=\"nr\">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				esc(strings.ToLower(strings.Join(r.Syscalls, " "))), lo, hi, strings.Join(actList, " "),
				esc(nr), namesHTML(names), answer.String(), esc(strings.Join(tags, ", ")))
		}
		body.WriteString("</tbody>\n</table>\n</section>\n")
	}

	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), css)
	fmt.Fprintf(b, "<h1>%s</h1>\n<p class=\"sub\">policy: %s &middot; kernel view: Linux %s (%s) &middot; written by bpfsim</p>\n",
		esc(title), esc(strings.Join(jt.Policy, " + ")), esc(jt.Kernel.Version), esc(jt.Kernel.Source))
	fmt.Fprintf(b, "<h2>Decision table</h2>\n<div class=\"filters\"><label>syscall <input id=\"q\" type=\"search\" placeholder=\"name or number\" autocomplete=\"off\"></label> <label>action <select id=\"act\"><option value=\"\">any</option>")
	for _, k := range actionKinds {
		if kinds[k] {
			fmt.Fprintf(b, "<option>%s</option>", k)
		}
	}
	fmt.Fprintf(b, "</select></label> <span id=\"count\">%d of %d rows</span></div>\n", rows, rows)
	b.WriteString(body.String())
	b.WriteString("<h2>Control flow</h2>\n<p class=\"sub\">Each filter's basic blocks; edges are the jumps' true and false branches with what they establish; each return is filled with its action's colour.</p>\n<div class=\"picture\">\n")
	b.Write(inlineSVG(svg))
	fmt.Fprintf(b, "</div>\n<script>%s</script>\n</body>\n</html>\n", script)
	return b.Flush()
}

// namesHTML writes a row's names, the first ones shown and the rest
// behind a <details> when there are many.
func namesHTML(names string) string {
	const shown = 12
	parts := strings.Split(names, ", ")
	if len(parts) <= shown+3 {
		return html.EscapeString(names)
	}
	return fmt.Sprintf("%s, <details><summary>%d more</summary>%s</details>",
		html.EscapeString(strings.Join(parts[:shown], ", ")), len(parts)-shown, html.EscapeString(strings.Join(parts[shown:], ", ")))
}

// inlineSVG is the svg element of an SVG document, without the XML
// declaration and doctype that HTML does not take.
func inlineSVG(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
		return svg[i:]
	}
	return svg
}

const css = `
body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#616161;font-size:13px;margin:0 0 8px}
.filters{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #e0e0e0;font-size:14px}
.filters input,.filters select{font-size:14px;margin-left:4px}
#count{color:#616161;margin-left:12px}
table{border-collapse:collapse;font-size:13px}
section.arch>table{width:100%;table-layout:fixed}
section.arch>table th:nth-child(1){width:170px}section.arch>table th:nth-child(3){width:38%}section.arch>table th:nth-child(4){width:110px}
details{display:inline}summary{display:inline;cursor:pointer;color:#1565c0}
th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
td.nr{font-family:Courier,monospace;white-space:nowrap}
table.cases td{border:none;padding:1px 6px 1px 0}
.act{display:inline-block;border:1px solid;border-radius:4px;padding:0 6px;font-family:Courier,monospace;white-space:nowrap}
pre{margin:2px 0;font-size:12px}
.picture{overflow:auto;border:1px solid #e0e0e0;padding:8px}
`

const script = `
(function(){
  var q=document.getElementById('q'), act=document.getElementById('act'), count=document.getElementById('count');
  var rows=Array.prototype.slice.call(document.querySelectorAll('tr[data-acts]'));
  function match(r, s){
    if(!s) return true;
    if(/^(0x[0-9a-f]+|[0-9]+)$/.test(s)){
      var n=Number(s), lo=Number(r.dataset.lo), hi=Number(r.dataset.hi);
      return n>=lo && n<=hi;
    }
    return (' '+r.dataset.names).indexOf(' '+s)>=0;
  }
  function apply(){
    var s=q.value.trim().toLowerCase(), a=act.value, shown=0;
    rows.forEach(function(r){
      var ok=match(r,s) && (!a || (' '+r.dataset.acts+' ').indexOf(' '+a+' ')>=0);
      r.style.display=ok?'':'none';
      if(ok) shown++;
    });
    document.querySelectorAll('section.arch').forEach(function(sec){
      sec.style.display=sec.querySelector('tr[data-acts]:not([style*="none"])')?'':'none';
    });
    count.textContent=shown+' of '+rows.length+' rows';
  }
  q.addEventListener('input',apply); act.addEventListener('change',apply);
})();
`
