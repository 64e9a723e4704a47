"""The migration report's HTML style sheet (one self-contained file that opens offline)."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1f2328;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#59636e;font-size:12px}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;font-size:13px}
th{background:#f6f8fa}td.n{text-align:right}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;overflow-x:auto;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;margin:6px 0}
.ln,.add,.del,.hunk{display:block}.add{background:#dafbe1}.del{background:#ffebe9}.hunk{color:#8250df}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.b-ok,.b-fixed,.b-migrated,.b-unchanged{background:#dafbe1;color:#116329}.b-failed,.b-timeout,.b-kernel-died,.b-stopped,.b-error{background:#ffebe9;color:#a40e26}
.b-not-run,.b-static,.b-not-reached,.b-interrupted,.b-empty{background:#fff8c5;color:#7d4e00}
.rule{border-left:3px solid #0969da;padding:2px 10px;margin:6px 0}.rule .id{font-family:ui-monospace,monospace;font-weight:600}
.left{border-left-color:#cf222e}.verified{color:#116329}.unverified{color:#9a6700}.msg{font-weight:600}
"""
