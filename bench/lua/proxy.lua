-- GET /proxy with a different userId on every request.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/proxy?appName=bench&userId=user-" .. counter ..
                    "&properties%5Bcountry%5D=NO&properties%5Bversion%5D=1.4.0")
end
