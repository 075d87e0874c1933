-- Headless Neovim (0.7+) drives `biaslsp --stdio` with its built-in LSP client:
-- open the job ad, wait for diagnostics, apply the first rewrite quick fix, write the file.
-- Env: BIASLSP_CMD (JSON list), BIASLSP_FILE, BIASLSP_REPORT (JSON written here).
local report = { stage = "start" }

local function finish(code)
  local f = io.open(os.getenv("BIASLSP_REPORT"), "w")
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd((code == 0) and "qall!" or ("cquit " .. code))
end

local function main()
  local file = os.getenv("BIASLSP_FILE")
  local cmd = vim.fn.json_decode(os.getenv("BIASLSP_CMD"))
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "biaslsp",
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(file, ":p:h"),
    init_options = { debounce = 0 },
  })
  assert(client_id, "could not start the language server")
  vim.lsp.buf_attach_client(bufnr, client_id)
  report.stage = "waiting for diagnostics"
  local ok = vim.wait(120000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  assert(ok, "no diagnostics within 120 s")
  local diags = vim.diagnostic.get(bufnr)
  report.diagnostics = {}
  for _, d in ipairs(diags) do
    table.insert(report.diagnostics, { lnum = d.lnum, col = d.col, source = d.source, code = d.code, message = d.message })
  end
  -- the diagnostics of the line under test, in LSP form (carrying `data`)
  local target_line = tonumber(os.getenv("BIASLSP_LINE"))
  local lsp_diags = vim.lsp.diagnostic.get_line_diagnostics(bufnr, target_line)
  local chosen_diag
  for _, d in ipairs(lsp_diags) do
    if d.data and d.data.rewrites and #d.data.rewrites > 0 then chosen_diag = d break end
  end
  assert(chosen_diag, "no diagnostic with rewrites on line " .. target_line)
  report.stage = "code action"
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = chosen_diag.range,
    context = { diagnostics = { chosen_diag } },
  }
  local results = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 30000)
  local action
  for _, res in pairs(results or {}) do
    for _, a in ipairs(res.result or {}) do
      -- the first rewrite action applies the diagnostic's first rewrite (preferred only when verified)
      if not action and a.edit and a.title:match("^Rewrite") then action = a end
    end
  end
  assert(action, "no rewrite code action")
  report.action = action.title
  report.rewrite = chosen_diag.data.rewrites[1].text
  local client = vim.lsp.get_client_by_id(client_id)
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  vim.cmd("write")
  report.stage = "done"
  vim.lsp.stop_client(client_id)
  vim.wait(2000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then report.error = tostring(err) finish(3) else finish(0) end
