-- After a user's init.lua (a README snippet) has started biaslsp for the current buffer:
-- wait for its diagnostics and write them to $BIASLSP_REPORT as JSON.
local report = { stage = "waiting for diagnostics" }
local ok, err = pcall(function()
  local bufnr = vim.api.nvim_get_current_buf()
  report.filetype = vim.bo[bufnr].filetype
  local got = vim.wait(150000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  assert(got, "no diagnostics within 150 s")
  report.clients = {}
  for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do table.insert(report.clients, c.name) end
  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(report.diagnostics, { lnum = d.lnum, source = d.source, code = d.code, message = d.message })
  end
  report.stage = "done"
end)
if not ok then report.error = tostring(err) end
local f = io.open(os.getenv("BIASLSP_REPORT"), "w")
f:write(vim.fn.json_encode(report))
f:close()
vim.cmd("qall!")
