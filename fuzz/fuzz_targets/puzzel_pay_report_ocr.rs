#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| nordpay::fuzzing::puzzel_pay_report_ocr(input));
