package plan

// usStates maps the folded name or code of every state, the District of
// Columbia, the inhabited territories and the armed forces' military mail
// regions to the two-letter postal code.
var usStates = func() map[string]string {
	names := [...]struct{ code, name string }{
		{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
		{"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
		{"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"}, {"ID", "Idaho"},
		{"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"},
		{"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"}, {"MD", "Maryland"},
		{"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"},
		{"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
		{"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
		{"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"},
		{"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"},
		{"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"},
		{"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"},
		{"WI", "Wisconsin"}, {"WY", "Wyoming"},
		{"DC", "District of Columbia"}, {"DC", "Washington DC"}, {"DC", "Washington, D.C."},
		{"AS", "American Samoa"}, {"GU", "Guam"}, {"MP", "Northern Mariana Islands"},
		{"PR", "Puerto Rico"}, {"VI", "U.S. Virgin Islands"}, {"VI", "US Virgin Islands"},
		{"VI", "Virgin Islands"}, {"UM", "United States Minor Outlying Islands"},
		// Military mail (APO/FPO/DPO addresses).
		{"AA", "Armed Forces Americas"}, {"AE", "Armed Forces Europe"}, {"AP", "Armed Forces Pacific"},
	}
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		m[fold(n.code)] = n.code
		m[fold(n.name)] = n.code
	}
	return m
}()
