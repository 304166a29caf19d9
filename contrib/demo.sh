#!/bin/sh
# Makes a default busybox bundle with `cell spec` and runs it: the
# container prints what isolates it.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-$top/demo-bundle}
rm -rf "$bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" \
  "$bundle/rootfs/dev" "$bundle/rootfs/etc" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for app in $(/bin/busybox --list); do
  [ "$app" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$app"
done
cat >"$bundle/rootfs/bin/checklist" <<'SH'
#!/bin/sh
echo "isolation checklist, from inside the container:"
echo "  PID 1:            $$ ($(cat /proc/1/comm))"
echo "  hostname:         $(hostname)"
echo "  root filesystem:  $(awk '$5 == "/" {print $4, "on", $5, "(" $6 ")"}' /proc/self/mountinfo)"
echo "  uid map:          $(cat /proc/self/uid_map | tr -s ' ')"
grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | sed 's/^/  /'
grep NoNewPrivs /proc/self/status | sed 's/^/  /'
SH
chmod +x "$bundle/rootfs/bin/checklist"
cd "$bundle"
"$top/cell" spec
# root in the container is uid 100000 on the host: a user namespace
chown -R -h 100000:100000 rootfs
jq '.process.args = ["/bin/checklist"]
  | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
  config.json >config.json.new
mv config.json.new config.json
exec "$top/cell" run "cell-demo-$$"
