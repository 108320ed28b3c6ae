import json,glob,collections,sys
f=sorted(glob.glob('/tmp/prof2/*.cpuprofile'))[-1]
d=json.load(open(f))
nodes={n['id']:n for n in d['nodes']}
parent={}
for n in d['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
def stack(i):
    out=[]
    while i in nodes:
        cf=nodes[i]['callFrame']; out.append(f"{cf['functionName'] or '(anon)'}@{cf['url'].split('/')[-1]}:{cf['lineNumber']}")
        i=parent.get(i)
        if i is None: break
    return out
t=d['startTime']; times=[]
for s,dt in zip(d['samples'],d['timeDeltas']):
    t+=dt; times.append((t,s))
# find busy stretches (non-idle) longer than 25ms
busy=[];cur=None
for t,s in times:
    name=nodes[s]['callFrame']['functionName']
    idle = name in ('(idle)',)
    if not idle:
        if cur is None: cur=[t,t,[]]
        cur[1]=t; cur[2].append(s)
    else:
        if cur and cur[1]-cur[0]>25000: busy.append(cur)
        cur=None
print(len(busy),'stretches >25ms')
for b in busy[:12]:
    c=collections.Counter()
    for s in b[2]:
        st=stack(s)
        # top-most non-trivial app frame
        key=' < '.join(st[:4])
        c[key]+=1
    print(f"--- {(b[1]-b[0])/1000:.0f} ms at +{(b[0]-d['startTime'])/1e6:.1f}s, samples {len(b[2])}")
    for k,v in c.most_common(5): print('   ',v,k)
