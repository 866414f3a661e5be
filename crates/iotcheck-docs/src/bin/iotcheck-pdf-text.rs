//! The PDF text helper process: everything it does is
//! [`iotcheck_docs::text::pdf_child_main`] (a request on stdin, the pages on
//! stdout, under a memory limit). Used by the tests and by library users
//! who want the child-process isolation without the iotcheck CLI.

fn main() -> std::process::ExitCode {
    iotcheck_docs::text::pdf_child_main()
}
