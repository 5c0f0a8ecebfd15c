#!/usr/bin/env bash
# The dependency direction of docs/ARCHITECTURE.md, checked: a file of src/<folder>/ may include
# headers of its own folder and of folders below it, never above or beside it:
#   base < model < {eval, auth, store} < state < {http, edge} < api < cli < main.c
# Run by `make test`; prints every include that breaks the rule and exits 1.
set -euo pipefail
cd "$(dirname "$0")/../src"
rank() {
    case "$1" in
    base) echo 0 ;; model) echo 1 ;; eval | auth | store) echo 2 ;; state) echo 3 ;;
    http | edge) echo 4 ;; api) echo 5 ;; cli) echo 6 ;; main.c) echo 7 ;; *) echo 99 ;;
    esac
}
bad=0
checked=0
while IFS= read -r f; do
    from=${f%%/*}
    [ "$f" = main.c ] && from=main.c
    dir=$(dirname "$f")
    while IFS= read -r inc; do
        path=$(realpath -m --relative-to=. "$dir/$inc")
        to=${path%%/*}
        [ "$to" = "$path" ] && to=main.c # a file at the top of src/
        [ "$to" = "$from" ] && continue
        checked=$((checked + 1))
        rf=$(rank "$from")
        rt=$(rank "$to")
        if [ "$rt" -ge "$rf" ]; then
            echo "layers: src/$f includes $path (not below $from)" >&2
            bad=$((bad + 1))
        fi
    done < <(sed -n 's|^#include "\(.*\)"|\1|p' "$f")
done < <(find . -name '*.[ch]' | sed 's|^\./||' | sort)
echo "layers: $checked includes across folders checked, $bad out of order"
[ "$bad" -eq 0 ]
