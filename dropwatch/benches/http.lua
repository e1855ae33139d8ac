-- wrk: Paybox Direct authorisations (TYPE 00003), each with a question
-- number of its own (the sandbox refuses a number used twice a day), as a
-- merchant's checkout sends them; every one is answered and remembered.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("base", counter * 100000000)
end
local n = 0
request = function()
  n = n + 1
  local body = "TYPE=00003&VERSION=00103&SITE=1999888&RANG=32&CLE=1999888I&NUMQUESTION="
    .. (base + n) .. "&MONTANT=1000&DEVISE=978&REFERENCE=BENCH&PORTEUR=1111222233334444&DATEVAL=1239&CVV=123"
  return wrk.format("POST", "/PPPS.php", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
