import os, time, json
os.environ['TZ'] = 'UTC'; time.tzset()
from buildbot.schedulers.timed import NightlyBase
from buildbot.util import croniter
import datetime, calendar
def tocron(v, dow=False):
    return NightlyBase._timeToCron(None, v, dow)
cases = [
 dict(minute=0, hour='*', dayOfMonth='*', month='*', dayOfWeek='*'),
 dict(minute=30, hour=3, dayOfMonth='*', month='*', dayOfWeek='*'),
 dict(minute=0, hour=3, dayOfMonth='*', month='*', dayOfWeek=0),
 dict(minute=0, hour=3, dayOfMonth='*', month='*', dayOfWeek=6),
 dict(minute=[0, 30], hour=[1, 13], dayOfMonth='*', month='*', dayOfWeek=[4, 5]),
 dict(minute=0, hour=3, dayOfMonth='*', month='*', dayOfWeek='0,6'),
 dict(minute=0, hour=3, dayOfMonth='*', month='*', dayOfWeek='1-5'),
 dict(minute=0, hour=3, dayOfMonth='*', month='*', dayOfWeek='sun'),
 dict(minute=0, hour=3, dayOfMonth=15, month='*', dayOfWeek=2),
 dict(minute=0, hour=3, dayOfMonth='*/10', month='*', dayOfWeek='*'),
 dict(minute='*/15', hour='*', dayOfMonth='*', month='*', dayOfWeek='*'),
 dict(minute=0, hour=0, dayOfMonth=1, month=[1, 7], dayOfWeek='*'),
 dict(minute=0, hour=3, dayOfMonth='*/2', month='*', dayOfWeek=6),
]
starts = [datetime.datetime(2024,1,1,12,0,0), datetime.datetime(2024,1,1,12,0,30), datetime.datetime(2024,2,28,23,59,0), datetime.datetime(2024,1,6,3,0,0)]
out = []
for c in cases:
    expr = ' '.join([str(tocron(c['minute'])), str(tocron(c['hour'])), str(tocron(c['dayOfMonth'])), str(tocron(c['month'])), str(tocron(c['dayOfWeek'], True))])
    for s in starts:
        ts = calendar.timegm(s.timetuple())
        nxt = croniter.croniter(expr, ts).get_next(float)
        out.append(dict(fields=c, expr=expr, start=s.isoformat(), next=datetime.datetime.utcfromtimestamp(nxt).isoformat()))
print(json.dumps(out, indent=0))
