-- POST /api/client/metrics with one bucket of five flags, as a Node SDK sends it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appName":"bench","instanceId":"i-1","bucket":{"start":"2026-01-01T00:00:00.000Z",' ..
  '"stop":"2026-01-01T00:01:00.000Z","toggles":{"flag-0000":{"yes":10,"no":2,"variants":' ..
  '{"red":5,"blue":5}},"flag-0001":{"yes":1,"no":0},"flag-0002":{"yes":0,"no":7},' ..
  '"flag-0003":{"yes":3,"no":3},"flag-0004":{"yes":9,"no":1}}}}'
