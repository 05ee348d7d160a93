import json, sys, urllib.request
BASE = 'http://127.0.0.1:18010/api/v2/'
def rpc(path, params):
    body = json.dumps({"jsonrpc": "2.0", "method": "force", "params": params, "id": 1}).encode()
    req = urllib.request.Request(BASE + path, data=body, headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b'null')
def get(path):
    with urllib.request.urlopen(BASE + path) as r:
        return json.load(r)
cases = json.load(open(sys.argv[1]))
out = []
for sched, params in cases:
    st, res = rpc('forceschedulers/' + sched, params)
    rec = {"scheduler": sched, "params": params, "status": st, "response": res}
    if st == 200 and 'result' in res:
        bsid = res['result'][0]
        bs = get('buildsets/%d' % bsid)['buildsets'][0]
        rec['buildset'] = {k: bs[k] for k in ('reason', 'sourcestamps', 'external_idstring')}
        for ss in rec['buildset']['sourcestamps']:
            ss.pop('created_at', None); ss.pop('ssid', None)
        rec['properties'] = get('buildsets/%d/properties' % bsid)['properties'][0]
        brs = get('buildrequests?buildsetid=%d' % bsid)['buildrequests']
        rec['builderids'] = sorted(b['builderid'] for b in brs)
        rec['result_brids_keys'] = sorted(res['result'][1].keys())
    out.append(rec)
json.dump(out, sys.stdout, indent=1, sort_keys=True)
