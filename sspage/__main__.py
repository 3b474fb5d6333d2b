from sspage.cli import main

main()
