package cli

import (
	"fmt"
	"sort"
	"strings"
)

// Completion returns the completion script for shell (bash, zsh or fish):
// the commands, each command's flags (flags, by command name, without
// their dashes), and file names where a command takes a manifest.
func Completion(shell string, flags map[string][]string) (string, error) {
	names := make([]string, 0, len(Commands))
	for _, c := range Commands {
		names = append(names, c.Name)
	}
	switch shell {
	case "bash":
		return bashScript(names, flags), nil
	case "zsh":
		return "#compdef telegent-bulk\nautoload -U +X bashcompinit && bashcompinit\n" + bashScript(names, flags), nil
	case "fish":
		return fishScript(flags), nil
	}
	return "", fmt.Errorf("completion: unknown shell %q (want bash, zsh or fish)", shell)
}

// sortedCommands returns the names of flags' commands, sorted.
func sortedCommands(flags map[string][]string) []string {
	cmds := make([]string, 0, len(flags))
	for c := range flags {
		cmds = append(cmds, c)
	}
	sort.Strings(cmds)
	return cmds
}

func bashScript(names []string, flags map[string][]string) string {
	var b strings.Builder
	b.WriteString("# telegent-bulk completion for bash (and zsh through bashcompinit)\n")
	b.WriteString("_telegent_bulk() {\n")
	b.WriteString("  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} words\n")
	b.WriteString("  if [ \"$COMP_CWORD\" -eq 1 ]; then\n")
	fmt.Fprintf(&b, "    COMPREPLY=($(compgen -W %q -- \"$cur\")); return\n", strings.Join(names, " "))
	b.WriteString("  fi\n  case $cmd in\n")
	for _, c := range sortedCommands(flags) {
		var fl []string
		for _, f := range flags[c] {
			fl = append(fl, "--"+f)
		}
		if c == "completion" {
			fl = append(fl, "bash", "zsh", "fish")
		}
		if c == "help" {
			fl = append(fl, names...)
		}
		fmt.Fprintf(&b, "    %s) words=%q ;;\n", c, strings.Join(fl, " "))
	}
	b.WriteString("  esac\n")
	b.WriteString("  if [[ $cur == -* || $cmd == completion || $cmd == help ]]; then\n")
	b.WriteString("    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n")
	b.WriteString("  else\n    COMPREPLY=($(compgen -f -- \"$cur\"))\n  fi\n}\n")
	b.WriteString("complete -o filenames -F _telegent_bulk telegent-bulk\n")
	return b.String()
}

func fishScript(flags map[string][]string) string {
	var b strings.Builder
	b.WriteString("# telegent-bulk completion for fish\n")
	b.WriteString("complete -c telegent-bulk -f -n __fish_use_subcommand\n")
	for _, c := range Commands {
		fmt.Fprintf(&b, "complete -c telegent-bulk -f -n __fish_use_subcommand -a %s -d %q\n", c.Name, c.Summary)
	}
	for _, c := range sortedCommands(flags) {
		for _, f := range flags[c] {
			fmt.Fprintf(&b, "complete -c telegent-bulk -n '__fish_seen_subcommand_from %s' -l %s\n", c, f)
		}
	}
	b.WriteString("complete -c telegent-bulk -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n")
	return b.String()
}
