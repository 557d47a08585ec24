-- wrk script: replays pre-signed webhook deliveries, one per request, from a file of
-- "<TikTok-Signature>\t<body>" lines. Each wrk thread walks its own stride of the file so
-- no two requests in a run carry the same body.
local requests = {}
local index, stride = 0, 1

function setup(thread)
  thread:set("id", thread_count or 0)
  thread_count = (thread_count or 0) + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local sig, body = line:match("^([^\t]*)\t(.*)$")
    requests[#requests + 1] = {sig = sig, body = body}
  end
  index = (id or 0) + 1
  stride = tonumber(args[2]) or 1
end

function request()
  local r = requests[index]
  index = index + stride
  if index > #requests then index = index - #requests end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["TikTok-Signature"] = r.sig}, r.body)
end
