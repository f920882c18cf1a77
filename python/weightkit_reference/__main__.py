from weightkit_reference.cli import main

main()
