package audit

import (
	"encoding/json"
	"fmt"
)

// SARIF types: the subset of SARIF 2.1.0 (OASIS) that code-scanning
// services read.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string       `json:"id"`
		ShortDescription     sarifMessage `json:"shortDescription"`
		DefaultConfiguration struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
		Properties map[string]string `json:"properties"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  int             `json:"ruleIndex"`
		Level      string          `json:"level"`
		Message    sarifMessage    `json:"message"`
		Locations  []sarifLocation `json:"locations"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		Physical struct {
			Artifact struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region *sarifRegion `json:"region,omitempty"`
		} `json:"physicalLocation"`
		Logical []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
)

// level is a severity as SARIF names it.
func (s Severity) level() string {
	switch s {
	case High:
		return "error"
	case Medium:
		return "warning"
	}
	return "note"
}

// SARIF returns the report as a SARIF 2.1.0 log: one run of the tool
// bpfsim with every rule, and a result per finding located in the policy
// file (the filter's, or every file of the stack for a finding about the
// whole policy), with the line where one applies and the pc as a logical
// location. The witness and severity are result properties.
func (r *Report) SARIF() ([]byte, error) {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "bpfsim", InformationURI: "https://github.com/bpfsim/bpfsim"}}, Results: []sarifResult{}}
	index := map[string]int{}
	for i, ri := range Rules() {
		sr := sarifRule{ID: ri.ID, ShortDescription: sarifMessage{ri.Description}, Properties: map[string]string{"severity": ri.Severity.String()}}
		sr.DefaultConfiguration.Level = ri.Severity.level()
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sr)
		index[ri.ID] = i
	}
	for _, f := range r.Findings {
		res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: f.Severity.level(), Message: sarifMessage{f.Message},
			Properties: map[string]any{"severity": f.Severity.String()}}
		if f.Arch != "" {
			res.Properties["arch"] = f.Arch
		}
		if w := f.Witness; w != nil {
			res.Properties["witness"] = w.Input
			res.Properties["witness_ret"] = w.Ret
		}
		files := r.Policy
		if f.Filter >= 0 && f.Filter < len(r.Policy) {
			files = r.Policy[f.Filter : f.Filter+1]
		}
		for _, file := range files {
			var loc sarifLocation
			loc.Physical.Artifact.URI = file
			if f.Line > 0 {
				loc.Physical.Region = &sarifRegion{StartLine: f.Line}
			}
			if f.PC >= 0 {
				loc.Logical = []sarifLogical{{Name: fmt.Sprintf("pc %d", f.PC), Kind: "instruction"}}
			}
			res.Locations = append(res.Locations, loc)
		}
		run.Results = append(run.Results, res)
	}
	return json.MarshalIndent(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}, "", "  ")
}
