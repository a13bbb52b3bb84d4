package report

// fnguard has its own SARIF 2.1.0 types, holding only the objects and
// members it writes, rather than github.com/owenrumney/go-sarif's: those
// write every member (empty arrays, the schema's -1 "unset" values and
// defaults), which took a parse-and-prune pass to undo, and the library
// links a JSON-Schema validator into every run of the CLI (1.0 MB of RSS).
// A member left out means the schema's default. Field order is the order
// the members are written in.

const (
	levelError   = "error"
	levelWarning = "warning"
	levelNote    = "note"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Properties  sarifProperties   `json:"properties,omitempty"`
	// Results is written even when empty: GitHub requires it, and an
	// empty list is how a scan says it found nothing.
	Results []sarifResult `json:"results"`
	Tool    sarifTool     `json:"tool"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	// Contents and IsComprehensive state the schema's defaults, as
	// fnguard's SARIF always has.
	Contents        []string    `json:"contents"`
	InformationURI  string      `json:"informationUri"`
	IsComprehensive bool        `json:"isComprehensive"`
	Name            string      `json:"name"`
	Rules           []sarifRule `json:"rules,omitempty"`
	Version         string      `json:"version,omitempty"`
}

// sarifRule is a reportingDescriptor.
type sarifRule struct {
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMessage       `json:"help"`
	HelpURI              string             `json:"helpUri"`
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	Properties           sarifProperties    `json:"properties,omitempty"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
}

// sarifConfiguration is a reportingConfiguration.
type sarifConfiguration struct {
	Level string `json:"level"`
}

// sarifMessage is a message or a multiformatMessageString: fnguard writes
// the same two members of either.
type sarifMessage struct {
	Markdown string `json:"markdown,omitempty"`
	Text     string `json:"text"`
}

// sarifProperties is a property bag, its tags under "tags"; encoding/json
// writes the keys sorted.
type sarifProperties map[string]any

type sarifResult struct {
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Level               string             `json:"level"`
	Locations           []sarifLocation    `json:"locations"`
	Message             sarifMessage       `json:"message"`
	Properties          sarifProperties    `json:"properties,omitempty"`
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifSuppression struct {
	Justification string `json:"justification"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
}

// acceptedSuppression is what fnguard's policy, outside the code, accepted.
func acceptedSuppression(justification string) sarifSuppression {
	return sarifSuppression{Justification: justification, Kind: "external", Status: "accepted"}
}

type sarifLocation struct {
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Name               string `json:"name"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region struct {
		StartLine int `json:"startLine"`
	} `json:"region"`
}

// fileLocation is line of the file at uri.
func fileLocation(uri string, line int) sarifLocation {
	var loc sarifLocation
	loc.PhysicalLocation.ArtifactLocation.URI = uri
	loc.PhysicalLocation.Region.StartLine = line
	return loc
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Locations []sarifLocation `json:"locations"`
	Message   sarifMessage    `json:"message"`
}
